import { Migration } from "@mikro-orm/migrations";

/**
 * Signing keys get a role (issue 18): the keys so far sign license files and stay `license` keys;
 * `release` keys sign release indexes only. One active key per role instead of one in all.
 */
export class ReleaseKeys extends Migration {
  override name = "0016_release_keys";

  override up(): void | Promise<void> {
    this.addSql(`drop index "issuer"."signing_keys_one_active";`);
    this.addSql(`alter table "issuer"."signing_keys" add "role" text not null default 'license';`);
    this.addSql(
      `create unique index "signing_keys_one_active_per_role" on "issuer"."signing_keys" ("role") where status = 'active';`,
    );
    this.addSql(
      `alter table "issuer"."signing_keys" add constraint "signing_keys_role_check" check ("role" in ('license', 'release'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "issuer"."signing_keys_one_active_per_role";`);
    this.addSql(`alter table "issuer"."signing_keys" drop constraint "signing_keys_role_check";`);
    this.addSql(`alter table "issuer"."signing_keys" drop column "role";`);
    this.addSql(
      `create unique index "signing_keys_one_active" on "issuer"."signing_keys" ("status") where status = 'active';`,
    );
  }
}
