import { Migration } from "@mikro-orm/migrations";

/**
 * Top accounts without summing every account's deltas: compaction marks the rows it folds, and an
 * index on the folded counts finds the leaders (see DashboardFigures).
 */
export class TopAccounts extends Migration {
  override name = "0005_top_accounts";

  override up(): void {
    this.addSql("alter table stats_by_account add column folded boolean not null default false");
    this.addSql("create index stats_by_account_folded on stats_by_account (n desc) where folded");
    this.addSql("create index stats_by_account_recent on stats_by_account (account_id) where not folded");
    const fold = (table: string, dims: string) =>
      `with gone as (delete from ${table} returning *)
       insert into ${table} (${dims}, n) select ${dims}, sum(n) from gone group by ${dims} having sum(n) <> 0;`;
    this.addSql(`create or replace function stats_compact() returns void language plpgsql set search_path from current as $$
      begin
        perform pg_advisory_xact_lock(hashtext('issuer stats compaction'));
        ${fold("stats_by_end", "state, end_day, notify_days")}
        ${fold("stats_by_product", "kind, internal, product")}
        ${fold("stats_by_created", "created_day, kind")}
        with gone as (delete from stats_by_account returning *)
        insert into stats_by_account (account_id, n, folded)
          select account_id, sum(n), true from gone group by account_id having sum(n) <> 0;
      end $$`);
    this.addSql("select stats_compact()");
  }
}
