import { Migration } from "@mikro-orm/migrations";

/**
 * Coarser usage levels and one idempotency probe (docs/distribution.md, "Usage data"):
 * `usage_daily_totals` (day × product over every account) and `usage_monthly` (month × account ×
 * product) beside `usage_daily`, filled here from the days already rolled up; `usage_report_keys`,
 * the keys of the detail kept, filled from it (a key reported twice across months keeps its first
 * report), so report_usage probes one index instead of every partition. The detail's primary key
 * goes: it only made a key unique within a month, and nothing reads by it.
 *
 * Generated from the entities, the filling and the dropped key written by hand.
 */
export class UsageLevels extends Migration {
  override name = "0013_usage_levels";

  override up(): void | Promise<void> {
    this.addSql(
      `create table "distribution"."usage_daily_totals" ("day" date not null, "product" text not null, "units" bigint not null, "executions" bigint not null, primary key ("day", "product"));`,
    );

    this.addSql(
      `create table "distribution"."usage_monthly" ("month" date not null, "account_id" text not null, "product" text not null, "units" bigint not null, "executions" bigint not null, primary key ("month", "account_id", "product"));`,
    );
    this.addSql(
      `create index "usage_monthly_by_account" on "distribution"."usage_monthly" ("account_id", "month");`,
    );

    this.addSql(
      `create table "distribution"."usage_report_keys" ("license_id" text not null, "idempotency_key" text not null, "units" bigint not null, "reported_at" timestamptz not null, primary key ("license_id", "idempotency_key"));`,
    );
    this.addSql(
      `create index "usage_report_keys_by_time" on "distribution"."usage_report_keys" ("reported_at");`,
    );

    this.addSql(`insert into "distribution"."usage_daily_totals" (day, product, units, executions)
      select day, product, sum(units), sum(executions) from "distribution"."usage_daily" group by day, product;`);
    this.addSql(`insert into "distribution"."usage_monthly" (month, account_id, product, units, executions)
      select date_trunc('month', day)::date, account_id, product, sum(units), sum(executions)
      from "distribution"."usage_daily" group by 1, account_id, product;`);
    this.addSql(`insert into "distribution"."usage_report_keys" (license_id, idempotency_key, units, reported_at)
      select distinct on (license_id, idempotency_key) license_id, idempotency_key, units, reported_at
      from "distribution"."usage_reports" order by license_id, idempotency_key, reported_at;`);
    this.addSql(`alter table "distribution"."usage_reports" drop constraint "usage_reports_pkey";`);
  }
}
