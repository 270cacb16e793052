import { Migration } from "@mikro-orm/migrations";

/** Versions record the username of who signed them, as licenses do, for the version history. */
export class VersionSignerName extends Migration {
  override name = "0006_version_signer_name";

  override up(): void {
    this.addSql("alter table license_versions add column created_by_name text");
    this.addSql(`update license_versions v set created_by_name = coalesce(
      (select a.actor_name from audit_entries a where a.license_id = v.license_id and a.actor_id = v.created_by limit 1), v.created_by)`);
    this.addSql("alter table license_versions alter column created_by_name set not null");
  }
}
