import { Migration } from "@mikro-orm/migrations";

/** A version may be signed because the license was amended (docs/issuer.md, "Amending a license"). */
export class AmendedVersions extends Migration {
  override name = "0015_amended_versions";

  override up(): void | Promise<void> {
    this.addSql(`alter table "issuer"."license_versions" drop constraint "license_versions_reason_check";`);
    this.addSql(
      `alter table "issuer"."license_versions" add constraint "license_versions_reason_check" check ("reason" in ('issued', 'renewed', 'reissued', 'amended'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "issuer"."license_versions" drop constraint "license_versions_reason_check";`);
    this.addSql(
      `alter table "issuer"."license_versions" add constraint "license_versions_reason_check" check ("reason" in ('issued', 'renewed', 'reissued'));`,
    );
  }
}
