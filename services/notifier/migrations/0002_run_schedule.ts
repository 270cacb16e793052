import { Migration } from "@mikro-orm/migrations";

/**
 * Each digest run records the schedule it was claimed under (zone and time of day), so the claim
 * can tell the next day of the same schedule (always allowed, even 23 hours later on a
 * daylight-saving day) from a digest made due by a change of schedule (held to 24 hours after the
 * last one sent). Runs from before have none: they count as another schedule.
 */
export class RunSchedule extends Migration {
  override name = "0002_run_schedule";

  override up(): void {
    this.addSql("alter table digest_runs add column time_zone text null");
    this.addSql("alter table digest_runs add column daily_time text null");
    this.addSql("create index digest_runs_by_sent_at on digest_runs (sent_at) where outcome = 'sent'");
  }
}
