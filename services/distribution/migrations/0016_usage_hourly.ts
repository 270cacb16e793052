import { Migration } from "@mikro-orm/migrations";

/**
 * A per-hour usage level (issue 20; docs/distribution.md, "Usage data"): a range whose bound falls
 * inside a day read that day's detail, up to a day of reports per bound (274,000 at 100 million a
 * year), and every report read today's. `usage_hourly` holds the closed hours of the detail kept,
 * so a bound reads at most its hour of detail. It starts empty with its line at `-infinity`: the
 * rollup fills it from the detail kept, a day per transaction, readers taking the detail meanwhile.
 *
 * Generated from the entities, the column's default for the existing row written by hand.
 */
export class UsageHourly extends Migration {
  override name = "0016_usage_hourly";

  override up(): void | Promise<void> {
    this.addSql(
      `create table "distribution"."usage_hourly" ("hour" timestamptz not null, "account_id" text not null, "product" text not null, "units" bigint not null, "executions" bigint not null, primary key ("hour", "account_id", "product"));`,
    );

    this.addSql(
      `create index "usage_hourly_by_account" on "distribution"."usage_hourly" ("account_id", "hour");`,
    );

    this.addSql(
      `alter table "distribution"."usage_rollup_state" add "hours_rolled_up_before" timestamptz not null default '-infinity';`,
    );
    this.addSql(
      `alter table "distribution"."usage_rollup_state" alter column "hours_rolled_up_before" drop default;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "distribution"."usage_hourly" cascade;`);

    this.addSql(`alter table "distribution"."usage_rollup_state" drop column "hours_rolled_up_before";`);
  }
}
