import { Migration } from "@mikro-orm/migrations";

/**
 * Roll-ups with fewer dimensions each, so they stay small however licenses spread: expiry buckets
 * by (state, end day, notice window) only, and totals by (kind, internal-use, main product) apart.
 * One table crossing every dimension had nearly one row per license.
 */
export class NarrowerStats extends Migration {
  override name = "0004_narrower_stats";

  override up(): void {
    this.addSql(
      `create table stats_by_product (kind text not null, internal boolean not null, product text not null, n bigint not null)`,
    );
    this.addSql(
      `insert into stats_by_product select kind, internal, product, sum(n) from stats_by_end group by 1, 2, 3 having sum(n) <> 0`,
    );
    this.addSql(
      `create table stats_by_end_day (state text not null, end_day date not null, notify_days integer not null, n bigint not null)`,
    );
    this.addSql(
      `insert into stats_by_end_day select state, end_day, notify_days, sum(n) from stats_by_end group by 1, 2, 3 having sum(n) <> 0`,
    );
    this.addSql("drop table stats_by_end");
    this.addSql("alter table stats_by_end_day rename to stats_by_end");

    const apply = (changed: string) => [
      `insert into stats_by_end (state, end_day, notify_days, n)
         select state, coalesce((end_date at time zone 'UTC')::date, 'infinity'::date), coalesce(notify_days, -1), sum(delta)
         from ${changed} c group by 1, 2, 3 having sum(delta) <> 0;`,
      `insert into stats_by_product (kind, internal, product, n)
         select kind, internal, products[1], sum(delta) from ${changed} c group by 1, 2, 3 having sum(delta) <> 0;`,
      `insert into stats_by_created (created_day, kind, n)
         select (created_at at time zone 'UTC')::date, kind, sum(delta)
         from ${changed} c group by 1, 2 having sum(delta) <> 0;`,
      `insert into stats_by_account (account_id, n)
         select account_id, sum(delta) from ${changed} c group by 1 having sum(delta) <> 0;`,
    ];
    const trigger = (name: string, changed: string) =>
      `create or replace function ${name}() returns trigger language plpgsql set search_path from current as $$
       begin
         ${apply(changed).join("\n")}
         return null;
       end $$`;
    const cols = "state, kind, internal, products, end_date, notify_days, created_at, account_id";
    this.addSql(trigger("licenses_inserted", `(select ${cols}, 1 as delta from inserted)`));
    this.addSql(
      trigger(
        "licenses_updated",
        `(select ${cols}, -1 as delta from before_rows union all select ${cols}, 1 from after_rows)`,
      ),
    );
    this.addSql(trigger("licenses_deleted", `(select ${cols}, -1 as delta from deleted)`));

    const fold = (table: string, dims: string) =>
      `with gone as (delete from ${table} returning *)
       insert into ${table} (${dims}, n) select ${dims}, sum(n) from gone group by ${dims} having sum(n) <> 0;`;
    this.addSql(`create or replace function stats_compact() returns void language plpgsql set search_path from current as $$
      begin
        perform pg_advisory_xact_lock(hashtext('issuer stats compaction'));
        ${fold("stats_by_end", "state, end_day, notify_days")}
        ${fold("stats_by_product", "kind, internal, product")}
        ${fold("stats_by_created", "created_day, kind")}
        ${fold("stats_by_account", "account_id")}
      end $$`);
  }
}
