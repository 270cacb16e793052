import { Migration } from "@mikro-orm/migrations";

/**
 * Legacy licenses (issue 14): where each migrated license comes from (source and legacy id, the runs
 * that created and last imported it, the legacy LicenseFile text as provenance), and the hash of its
 * legacy key (a GUID), unique across licenses, accepted as an alias of its key.
 */
export class LegacyLicenses extends Migration {
  override name = "0012_legacy_licenses";

  override up(): void | Promise<void> {
    this.addSql(
      `create table "issuer"."legacy_licenses" ("source" text not null, "legacy_id" text not null, "license_id" text not null, "created_run_id" text not null, "run_id" text not null, "item_hash" text not null, "imported_version" int not null, "date_issued" timestamptz not null, "created_by" text not null, "license_file" text null, "imported_at" timestamptz not null, primary key ("source", "legacy_id"));`,
    );
    this.addSql(
      `alter table "issuer"."legacy_licenses" add constraint "legacy_licenses_license_id_key" unique ("license_id");`,
    );
    this.addSql(
      `create index "legacy_licenses_by_created_run" on "issuer"."legacy_licenses" ("created_run_id");`,
    );
    this.addSql(`create index "legacy_licenses_by_run" on "issuer"."legacy_licenses" ("run_id");`);

    this.addSql(`alter table "issuer"."licenses" add "legacy_key_hash" text null;`);
    this.addSql(
      `alter table "issuer"."licenses" add constraint "licenses_legacy_key_hash_key" unique ("legacy_key_hash");`,
    );

    this.addSql(
      `alter table "issuer"."legacy_licenses" add constraint "legacy_licenses_license_id_fkey" foreign key ("license_id") references "issuer"."licenses" ("id");`,
    );
    this.addSql(
      `alter table "issuer"."legacy_licenses" add constraint "legacy_licenses_source_check" check ("source" in ('studio', 'vbuc-cli', 'vbuc-sales'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "issuer"."legacy_licenses" cascade;`);

    this.addSql(`alter table "issuer"."licenses" drop constraint "licenses_legacy_key_hash_key";`);
    this.addSql(`alter table "issuer"."licenses" drop column "legacy_key_hash";`);
  }
}
