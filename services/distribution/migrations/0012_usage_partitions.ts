import { Migration } from "@mikro-orm/migrations";

/**
 * Usage detail at fleet scale (docs/distribution.md, "Usage data"): `usage_reports` becomes a table
 * partitioned by month of `reported_at` (UTC), with a default partition so a report whose month has
 * no partition yet is never lost; `usage_daily` holds the days rolled up from it, and
 * `usage_rollup_state` where one ends and the other begins (no row: nothing rolled up yet).
 *
 * Written by hand around what MikroORM generated (the two new tables, the primary key that must
 * now hold the partition key): it cannot express a partitioned table. The existing rows move into
 * the new layout, each month they fall in getting its partition, as do this month and the next.
 */
export class UsagePartitions extends Migration {
  override name = "0012_usage_partitions";

  override up(): void | Promise<void> {
    this.addSql(
      `create table "distribution"."usage_daily" ("day" date not null, "account_id" text not null, "product" text not null, "units" bigint not null, "executions" bigint not null, primary key ("day", "account_id", "product"));`,
    );
    this.addSql(
      `create index "usage_daily_by_account" on "distribution"."usage_daily" ("account_id", "day");`,
    );
    this.addSql(
      `create table "distribution"."usage_rollup_state" ("id" int not null, "closed_before" timestamptz not null, "rolled_up_before" timestamptz not null, "detail_from" timestamptz not null, primary key ("id"));`,
    );

    // The unpartitioned table steps aside under other names, so the new one takes the old names.
    this.addSql(`alter table "distribution"."usage_reports" rename to "usage_reports_unpartitioned";`);
    this.addSql(
      `alter table "distribution"."usage_reports_unpartitioned" rename constraint "usage_reports_pkey" to "usage_reports_unpartitioned_pkey";`,
    );
    this.addSql(
      `alter table "distribution"."usage_reports_unpartitioned" rename constraint "usage_reports_license_id_fkey" to "usage_reports_unpartitioned_license_id_fkey";`,
    );
    this.addSql(`alter index "distribution"."usage_by_time" rename to "usage_unpartitioned_by_time";`);
    this.addSql(`alter index "distribution"."usage_by_account" rename to "usage_unpartitioned_by_account";`);

    this.addSql(`create table "distribution"."usage_reports" (
      "license_id" text not null, "idempotency_key" text not null, "units" bigint not null,
      "account_id" text not null, "product" text not null, "fingerprint" text null,
      "execution_mode" text null, "executed_at" timestamptz null, "reported_at" timestamptz not null,
      constraint "usage_reports_pkey" primary key ("license_id", "idempotency_key", "reported_at"),
      constraint "usage_reports_license_id_fkey" foreign key ("license_id")
        references "distribution"."licenses" ("license_id"))
      partition by range ("reported_at");`);
    this.addSql(`create index "usage_by_time" on "distribution"."usage_reports" ("reported_at");`);
    this.addSql(
      `create index "usage_by_account" on "distribution"."usage_reports" ("account_id", "reported_at");`,
    );
    this.addSql(
      `create table "distribution"."usage_reports_default" partition of "distribution"."usage_reports" default;`,
    );
    // One partition per UTC month: those the existing rows fall in, this one and the next.
    this.addSql(`do $$
      declare month timestamp;
      begin
        for month in
          select distinct date_trunc('month', reported_at at time zone 'UTC') from distribution.usage_reports_unpartitioned
          union select date_trunc('month', now() at time zone 'UTC') + m * interval '1 month' from generate_series(0, 1) m
          order by 1
        loop
          execute format('create table distribution.%I partition of distribution.usage_reports for values from (%L) to (%L)',
            'usage_reports_p' || to_char(month, 'YYYYMM'), month at time zone 'UTC',
            (month + interval '1 month') at time zone 'UTC');
        end loop;
      end $$;`);
    this.addSql(`insert into "distribution"."usage_reports" (license_id, idempotency_key, units, account_id, product,
      fingerprint, execution_mode, executed_at, reported_at)
      select license_id, idempotency_key, units, account_id, product, fingerprint, execution_mode, executed_at, reported_at
      from "distribution"."usage_reports_unpartitioned";`);
    this.addSql(`drop table "distribution"."usage_reports_unpartitioned";`);
  }
}
