import { Migration } from "@mikro-orm/migrations";

/**
 * The issuer's keys have a role (issue 18): the keys kept so far are license keys; release keys
 * (release indexes) are listed beside them, each with its role, by GET /v1/keys.
 */
export class KeyRoles extends Migration {
  override name = "0006_key_roles";

  override up(): void | Promise<void> {
    this.addSql(`alter table "distribution"."signing_keys" add "role" text not null default 'license';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "distribution"."signing_keys" drop column "role";`);
  }
}
