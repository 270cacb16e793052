import { Migration } from "@mikro-orm/migrations";

/**
 * The product roll-up counts every product of a license, not only its main one, so the dashboard's
 * `byProduct` equals the list filtered by that product (which matches any of a license's products).
 * Rows carry `main`: kind and internal-use totals still sum the main product's rows only, so each
 * license counts once there. Same table and one statement per change as before, so issuance writes
 * no more rows than it did for single-product licenses.
 */
export class StatsEveryProduct extends Migration {
  override name = "0009_stats_every_product";

  override up(): void {
    // No license may change between the backfill below and the new triggers (replicas still on the
    // old triggers would count only main products meanwhile). Readers are not blocked.
    this.addSql("lock table licenses in share row exclusive mode");
    this.addSql("alter table stats_by_product add column main boolean not null default true");
    this.addSql(`insert into stats_by_product (kind, internal, product, main, n)
      select kind, internal, p.code, false, count(*)
      from licenses l cross join unnest(l.products) with ordinality as p(code, i)
      where p.i > 1 group by 1, 2, 3`);

    const apply = (changed: string) => [
      `insert into stats_by_end (state, end_day, notify_days, n)
         select state, coalesce((end_date at time zone 'UTC')::date, 'infinity'::date), coalesce(notify_days, -1), sum(delta)
         from ${changed} c group by 1, 2, 3 having sum(delta) <> 0;`,
      `insert into stats_by_product (kind, internal, product, main, n)
         select kind, internal, p.code, p.i = 1, sum(delta)
         from ${changed} c cross join unnest(c.products) with ordinality as p(code, i)
         group by 1, 2, 3, 4 having sum(delta) <> 0;`,
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
        ${fold("stats_by_product", "kind, internal, product, main")}
        ${fold("stats_by_created", "created_day, kind")}
        with gone as (delete from stats_by_account returning *)
        insert into stats_by_account (account_id, n, folded)
          select account_id, sum(n), true from gone group by account_id having sum(n) <> 0;
      end $$`);
  }
}
