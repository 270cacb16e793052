import { Migration } from "@mikro-orm/migrations";

/**
 * The legacy key (GUID) of a migrated license as an alias of its key (issue 14): its hash, learnt
 * from the issuer's license events (1.1), unique, so a product's GUID is found with one indexed query.
 */
export class LegacyKeyAliases extends Migration {
  override name = "0003_legacy_key_aliases";

  override up(): void | Promise<void> {
    this.addSql(`alter table "distribution"."licenses" add "legacy_key_hash" text null;`);
    this.addSql(
      `alter table "distribution"."licenses" add constraint "licenses_legacy_key_hash_key" unique ("legacy_key_hash");`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "distribution"."licenses" drop constraint "licenses_legacy_key_hash_key";`);
    this.addSql(`alter table "distribution"."licenses" drop column "legacy_key_hash";`);
  }
}
