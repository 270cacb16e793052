import { Migration } from "@mikro-orm/migrations";

/**
 * What a usage report is checked against (issue 12): the execution modes of the newest file (null
 * while only older events, which did not carry them, have been applied: not checked then), and an
 * index to find whether a fingerprint ever activated a license or held one of its leases.
 */
export class UsageChecks extends Migration {
  override name = "0002_usage_checks";

  override up(): void {
    this.addSql("alter table licenses add column execution_modes text[] null");
    this.addSql("create index machines_by_fingerprint on machines (license_id, fingerprint)");
    this.addSql("create index leases_by_fingerprint on leases (license_id, fingerprint)");
  }
}
