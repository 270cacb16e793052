-- The dashboard's roll-ups of licenses (src/domain/stats-entities.ts), kept exact by statement-level
-- triggers in the same transaction as every change to issuer.licenses. Applied after the
-- migrations, again whenever this file changes (docs/development.md, "Repeatable SQL"): every
-- statement must be safe to run twice.
--
-- Each change appends its deltas as rows instead of updating one row per bucket, so concurrent
-- issuances never wait for each other on today's count; readers sum the rows and stats_compact()
-- folds them now and then. Products: every product of a license counts, `main` marks its first
-- (kind and internal-use totals sum the main rows only, so each license counts once there).
-- Buckets whose count does not move are not written.

create or replace function issuer.licenses_inserted() returns trigger
  language plpgsql set search_path = issuer as $$
  begin
    insert into stats_by_end (state, end_day, notify_days, n)
      select state, coalesce((end_date at time zone 'UTC')::date, 'infinity'::date), coalesce(notify_days, -1), sum(delta)
      from (select state, kind, internal, products, end_date, notify_days, created_at, account_id, 1 as delta from inserted) c
      group by 1, 2, 3 having sum(delta) <> 0;
    insert into stats_by_product (kind, internal, product, main, n)
      select kind, internal, p.code, p.i = 1, sum(delta)
      from (select state, kind, internal, products, end_date, notify_days, created_at, account_id, 1 as delta from inserted) c
        cross join unnest(c.products) with ordinality as p(code, i)
      group by 1, 2, 3, 4 having sum(delta) <> 0;
    insert into stats_by_created (created_day, kind, n)
      select (created_at at time zone 'UTC')::date, kind, sum(delta)
      from (select state, kind, internal, products, end_date, notify_days, created_at, account_id, 1 as delta from inserted) c
      group by 1, 2 having sum(delta) <> 0;
    insert into stats_by_account (account_id, n)
      select account_id, sum(delta)
      from (select state, kind, internal, products, end_date, notify_days, created_at, account_id, 1 as delta from inserted) c
      group by 1 having sum(delta) <> 0;
    return null;
  end $$;

create or replace function issuer.licenses_updated() returns trigger
  language plpgsql set search_path = issuer as $$
  begin
    insert into stats_by_end (state, end_day, notify_days, n)
      select state, coalesce((end_date at time zone 'UTC')::date, 'infinity'::date), coalesce(notify_days, -1), sum(delta)
      from (select state, kind, internal, products, end_date, notify_days, created_at, account_id, -1 as delta from before_rows
            union all select state, kind, internal, products, end_date, notify_days, created_at, account_id, 1 from after_rows) c
      group by 1, 2, 3 having sum(delta) <> 0;
    insert into stats_by_product (kind, internal, product, main, n)
      select kind, internal, p.code, p.i = 1, sum(delta)
      from (select state, kind, internal, products, end_date, notify_days, created_at, account_id, -1 as delta from before_rows
            union all select state, kind, internal, products, end_date, notify_days, created_at, account_id, 1 from after_rows) c
        cross join unnest(c.products) with ordinality as p(code, i)
      group by 1, 2, 3, 4 having sum(delta) <> 0;
    insert into stats_by_created (created_day, kind, n)
      select (created_at at time zone 'UTC')::date, kind, sum(delta)
      from (select state, kind, internal, products, end_date, notify_days, created_at, account_id, -1 as delta from before_rows
            union all select state, kind, internal, products, end_date, notify_days, created_at, account_id, 1 from after_rows) c
      group by 1, 2 having sum(delta) <> 0;
    insert into stats_by_account (account_id, n)
      select account_id, sum(delta)
      from (select state, kind, internal, products, end_date, notify_days, created_at, account_id, -1 as delta from before_rows
            union all select state, kind, internal, products, end_date, notify_days, created_at, account_id, 1 from after_rows) c
      group by 1 having sum(delta) <> 0;
    return null;
  end $$;

create or replace function issuer.licenses_deleted() returns trigger
  language plpgsql set search_path = issuer as $$
  begin
    insert into stats_by_end (state, end_day, notify_days, n)
      select state, coalesce((end_date at time zone 'UTC')::date, 'infinity'::date), coalesce(notify_days, -1), sum(delta)
      from (select state, kind, internal, products, end_date, notify_days, created_at, account_id, -1 as delta from deleted) c
      group by 1, 2, 3 having sum(delta) <> 0;
    insert into stats_by_product (kind, internal, product, main, n)
      select kind, internal, p.code, p.i = 1, sum(delta)
      from (select state, kind, internal, products, end_date, notify_days, created_at, account_id, -1 as delta from deleted) c
        cross join unnest(c.products) with ordinality as p(code, i)
      group by 1, 2, 3, 4 having sum(delta) <> 0;
    insert into stats_by_created (created_day, kind, n)
      select (created_at at time zone 'UTC')::date, kind, sum(delta)
      from (select state, kind, internal, products, end_date, notify_days, created_at, account_id, -1 as delta from deleted) c
      group by 1, 2 having sum(delta) <> 0;
    insert into stats_by_account (account_id, n)
      select account_id, sum(delta)
      from (select state, kind, internal, products, end_date, notify_days, created_at, account_id, -1 as delta from deleted) c
      group by 1 having sum(delta) <> 0;
    return null;
  end $$;

-- Transition tables need one trigger per event.
drop trigger if exists licenses_stats_insert on issuer.licenses;
create trigger licenses_stats_insert after insert on issuer.licenses
  referencing new table as inserted for each statement execute function issuer.licenses_inserted();
drop trigger if exists licenses_stats_update on issuer.licenses;
create trigger licenses_stats_update after update on issuer.licenses
  referencing old table as before_rows new table as after_rows for each statement execute function issuer.licenses_updated();
drop trigger if exists licenses_stats_delete on issuer.licenses;
create trigger licenses_stats_delete after delete on issuer.licenses
  referencing old table as deleted for each statement execute function issuer.licenses_deleted();

-- Folds committed deltas into one row per bucket (src/domain/stats-compaction.ts), touching only the
-- buckets that changed since the last fold: those with more than one row, and accounts with rows not
-- yet folded (found by their partial index). A fold with nothing new writes nothing, however many
-- buckets there are. Rows of transactions still in flight are not visible to the statement, so they
-- stay as they are and are folded next time. Account totals are marked folded: an index on them finds
-- the top accounts.
create or replace function issuer.stats_compact() returns void
  language plpgsql set search_path = issuer as $$
  begin
    perform pg_advisory_xact_lock(hashtext('issuer stats compaction'));
    with changed as (select state, end_day, notify_days from stats_by_end group by 1, 2, 3 having count(*) > 1),
      gone as (delete from stats_by_end s using changed c
               where (s.state, s.end_day, s.notify_days) = (c.state, c.end_day, c.notify_days) returning s.*)
    insert into stats_by_end (state, end_day, notify_days, n)
      select state, end_day, notify_days, sum(n) from gone group by state, end_day, notify_days having sum(n) <> 0;
    with changed as (select kind, internal, product, main from stats_by_product group by 1, 2, 3, 4 having count(*) > 1),
      gone as (delete from stats_by_product s using changed c
               where (s.kind, s.internal, s.product, s.main) = (c.kind, c.internal, c.product, c.main) returning s.*)
    insert into stats_by_product (kind, internal, product, main, n)
      select kind, internal, product, main, sum(n) from gone group by kind, internal, product, main having sum(n) <> 0;
    with changed as (select created_day, kind from stats_by_created group by 1, 2 having count(*) > 1),
      gone as (delete from stats_by_created s using changed c
               where (s.created_day, s.kind) = (c.created_day, c.kind) returning s.*)
    insert into stats_by_created (created_day, kind, n)
      select created_day, kind, sum(n) from gone group by created_day, kind having sum(n) <> 0;
    with changed as (select distinct account_id from stats_by_account where not folded),
      gone as (delete from stats_by_account s using changed c where s.account_id = c.account_id returning s.*)
    insert into stats_by_account (account_id, n, folded)
      select account_id, sum(n), true from gone group by account_id having sum(n) <> 0;
  end $$;
