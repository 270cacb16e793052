import { Migration } from "@mikro-orm/migrations";

/**
 * The roll-ups become append-only: each change adds its deltas as new rows instead of updating one
 * row per bucket, because every concurrent issuance updated the same few rows (today's count, the
 * account's count) and so waited for the previous one to commit. Readers sum the rows; the issuer
 * folds them back into one row per bucket now and then (stats_compact).
 */
export class StatsDeltas extends Migration {
  override name = "0003_stats_deltas";

  override up(): void {
    this.addSql("alter table stats_by_end drop constraint stats_by_end_pkey");
    this.addSql("alter table stats_by_created drop constraint stats_by_created_pkey");
    this.addSql("alter table stats_by_account drop constraint stats_by_account_pkey");
    this.addSql("drop index stats_by_account_top");
    this.addSql("create index stats_by_account_id on stats_by_account (account_id)");

    const apply = (changed: string) => [
      `insert into stats_by_end (state, kind, internal, product, end_day, notify_days, n)
         select state, kind, internal, products[1], coalesce((end_date at time zone 'UTC')::date, 'infinity'::date),
                coalesce(notify_days, -1), sum(delta)
         from ${changed} c group by 1, 2, 3, 4, 5, 6 having sum(delta) <> 0;`,
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

    // Folds committed deltas into one row per bucket. Rows of transactions still in flight are not
    // visible to the delete, so they stay as they are and are folded next time.
    const fold = (table: string, dims: string) =>
      `with gone as (delete from ${table} returning *)
       insert into ${table} (${dims}, n) select ${dims}, sum(n) from gone group by ${dims} having sum(n) <> 0;`;
    this.addSql(`create function stats_compact() returns void language plpgsql set search_path from current as $$
      begin
        perform pg_advisory_xact_lock(hashtext('issuer stats compaction'));
        ${fold("stats_by_end", "state, kind, internal, product, end_day, notify_days")}
        ${fold("stats_by_created", "created_day, kind")}
        ${fold("stats_by_account", "account_id")}
      end $$`);
    this.addSql("select stats_compact()");
  }
}
