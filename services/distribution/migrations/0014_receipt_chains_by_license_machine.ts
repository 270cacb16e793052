import { Migration } from "@mikro-orm/migrations";

/**
 * The collectors of a license a page at a time (`distribution.delegation.collectors`): keyset pages
 * by machine key id within a license. With the index on `license_id` alone, the planner walked the
 * primary key across every license's chains from the cursor on (EXPLAIN on 120,000 chains: 1,800
 * rows read for a page of 51); by (license_id, machine_key_id) a page reads its own rows. The new
 * index's prefix serves what the old one did, so the old one goes.
 */
export class ReceiptChainsByLicenseMachine extends Migration {
  override name = "0014_receipt_chains_by_license_machine";

  override up(): void | Promise<void> {
    this.addSql(
      `create index "receipt_chains_by_license_machine" on "distribution"."receipt_chains" ("license_id", "machine_key_id");`,
    );
    this.addSql(`drop index "distribution"."receipt_chains_by_license";`);
  }

  override down(): void | Promise<void> {
    this.addSql(
      `create index "receipt_chains_by_license" on "distribution"."receipt_chains" ("license_id");`,
    );
    this.addSql(`drop index "distribution"."receipt_chains_by_license_machine";`);
  }
}
