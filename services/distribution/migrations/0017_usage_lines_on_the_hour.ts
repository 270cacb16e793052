import { Migration } from "@mikro-orm/migrations";

/**
 * The usage levels' lines held to their boundaries (docs/distribution.md, "Usage data"): the closed
 * line and the hours' line on a UTC hour, the days' line and the detail's start on a UTC day, or
 * `-infinity`. Each is already moved only to such a boundary; a line edited by hand to fall inside
 * one would have its hour or day read from the detail and from its level at once, or summed into a
 * level that already holds it. Generated from the entities.
 */
export class UsageLinesOnTheHour extends Migration {
  override name = "0017_usage_lines_on_the_hour";

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "distribution"."usage_rollup_state" add constraint "usage_rollup_state_closed_check" check (date_trunc('hour', closed_before at time zone 'UTC') = closed_before at time zone 'UTC');`,
    );
    this.addSql(
      `alter table "distribution"."usage_rollup_state" add constraint "usage_rollup_state_hours_check" check (date_trunc('hour', hours_rolled_up_before at time zone 'UTC') = hours_rolled_up_before at time zone 'UTC');`,
    );
    this.addSql(
      `alter table "distribution"."usage_rollup_state" add constraint "usage_rollup_state_days_check" check (date_trunc('day', rolled_up_before at time zone 'UTC') = rolled_up_before at time zone 'UTC');`,
    );
    this.addSql(
      `alter table "distribution"."usage_rollup_state" add constraint "usage_rollup_state_detail_check" check (date_trunc('day', detail_from at time zone 'UTC') = detail_from at time zone 'UTC');`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(
      `alter table "distribution"."usage_rollup_state" drop constraint "usage_rollup_state_closed_check";`,
    );
    this.addSql(
      `alter table "distribution"."usage_rollup_state" drop constraint "usage_rollup_state_hours_check";`,
    );
    this.addSql(
      `alter table "distribution"."usage_rollup_state" drop constraint "usage_rollup_state_days_check";`,
    );
    this.addSql(
      `alter table "distribution"."usage_rollup_state" drop constraint "usage_rollup_state_detail_check";`,
    );
  }
}
