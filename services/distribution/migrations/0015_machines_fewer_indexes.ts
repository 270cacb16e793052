import { Migration } from "@mikro-orm/migrations";

/**
 * An activation writes its row into fewer indexes (issue 20, activations at the one-row route's
 * pace). `machines_by_license (license_id, activated_at)` served nothing `machines_by_fingerprint
 * (license_id, fingerprint)` does not: no query orders or ranges a license's machines by activation
 * time, and the latter's prefix finds them. The sweep's partial index leaves out the machines that
 * never sent a heartbeat (every activation until its first one), which the sweep never releases
 * (`last_heartbeat_at < $2` implies not null, so the planner still takes the index).
 */
export class MachinesFewerIndexes extends Migration {
  override name = "0015_machines_fewer_indexes";

  override up(): void | Promise<void> {
    this.addSql(`drop index "distribution"."machines_by_license";`);
    this.addSql(`drop index "distribution"."machines_heartbeats";`);
    this.addSql(
      `create index "machines_heartbeats" on "distribution"."machines" ("last_heartbeat_at") where status = 'active' and not offline and last_heartbeat_at is not null;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "distribution"."machines_heartbeats";`);
    this.addSql(
      `create index "machines_by_license" on "distribution"."machines" ("license_id", "activated_at");`,
    );
    this.addSql(
      `create index "machines_heartbeats" on "distribution"."machines" ("last_heartbeat_at") where status = 'active' and not offline;`,
    );
  }
}
