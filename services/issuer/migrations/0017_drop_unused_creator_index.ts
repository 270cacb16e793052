import { Migration } from "@mikro-orm/migrations";

/**
 * The creator filter matches `created_by` or `created_by_name`, which an index of `created_by`
 * alone cannot serve: it was never read, and every issuance wrote to it.
 */
export class DropUnusedCreatorIndex extends Migration {
  override name = "0017_drop_unused_creator_index";

  override up(): void | Promise<void> {
    this.addSql(`drop index "issuer"."licenses_by_creator";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`create index "licenses_by_creator" on "issuer"."licenses" ("created_by", "created_at");`);
  }
}
