import { Migration } from "@mikro-orm/migrations";

/**
 * The active licenses by end date also carry their notice days, so the dashboard's precise counts
 * (the licenses of a few boundary days) and horizon edges are read from the index alone.
 */
export class ActiveByEndWithNotice extends Migration {
  override name = "0007_active_by_end_with_notice";

  override up(): void {
    this.addSql(
      "create index licenses_active_by_end_notice on licenses (end_date) include (notify_days) where state = 'active'",
    );
    this.addSql("drop index licenses_active_by_end");
  }
}
