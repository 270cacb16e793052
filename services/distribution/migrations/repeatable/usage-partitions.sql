-- Usage detail partitions and the line between detail and rollups (docs/distribution.md, "Usage
-- data"; src/domain/usage-rollup.ts runs them). Applied after the migrations, again whenever this
-- file changes: every statement must be safe to run twice.

-- When a report is counted: now, unless that hour is already closed for rollup (a clock set back),
-- then the first open instant, so no report lands in an hour or a day whose totals are already
-- taken. The shared lock is held to the writer's commit: closing (usage_close_before) waits for the
-- writers in flight, so none lands behind it.
create or replace function distribution.usage_report_time(p_now timestamptz) returns timestamptz
  language plpgsql as $$
  declare closed timestamptz;
  begin
    perform pg_advisory_xact_lock_shared(hashtext('distribution usage closing'));
    select closed_before into closed from distribution.usage_rollup_state where id = 1;
    return greatest(p_now, coalesce(closed, '-infinity'));
  end $$;

-- Closes the time before p_before (an hour's start): once it returns, no writer reports before it.
-- It closed whole days before the hourly level came (0016_usage_hourly), under another name.
drop function if exists distribution.usage_close_days(timestamptz);
create or replace function distribution.usage_close_before(p_before timestamptz) returns timestamptz
  language plpgsql set search_path = distribution, pg_catalog as $$
  declare closed timestamptz;
  begin
    perform pg_advisory_xact_lock(hashtext('distribution usage closing'));
    insert into distribution.usage_rollup_state (id, closed_before, rolled_up_before, hours_rolled_up_before, detail_from)
    values (1, p_before, '-infinity', '-infinity', '-infinity')
    on conflict (id) do update set closed_before = greatest(usage_rollup_state.closed_before, excluded.closed_before)
    returning closed_before into closed;
    return closed;
  end $$;

-- The partition of the UTC month holding p_at, made if missing; rows of that month the default
-- partition caught (a report from a clock far ahead) move into it.
create or replace function distribution.usage_partition_for(p_at timestamptz) returns text
  language plpgsql set search_path = distribution, pg_catalog as $$
  declare month timestamp := date_trunc('month', p_at at time zone 'UTC');
  declare part text := 'usage_reports_p' || to_char(month, 'YYYYMM');
  declare lower timestamptz := month at time zone 'UTC';
  declare upper timestamptz := (month + interval '1 month') at time zone 'UTC';
  begin
    if to_regclass('distribution.' || part) is not null then return part; end if;
    -- Making a partition locks the table: rather than queue every writer behind a long report, give
    -- up after a while (the next run tries again; the default partition holds what comes meanwhile).
    perform set_config('lock_timeout', '2s', true);
    perform pg_advisory_xact_lock(hashtext('distribution usage partitions'));
    if to_regclass('distribution.' || part) is not null then return part; end if;
    if not exists (select 1 from distribution.usage_reports_default where reported_at >= lower and reported_at < upper) then
      execute format('create table distribution.%I partition of distribution.usage_reports for values from (%L) to (%L)',
        part, lower, upper);
      return part;
    end if;
    execute format('create table distribution.%I (like distribution.usage_reports)', part);
    execute format('insert into distribution.%I select * from distribution.usage_reports_default
      where reported_at >= $1 and reported_at < $2', part) using lower, upper;
    delete from distribution.usage_reports_default where reported_at >= lower and reported_at < upper;
    execute format('alter table distribution.usage_reports attach partition distribution.%I for values from (%L) to (%L)',
      part, lower, upper);
    return part;
  end $$;

-- Drops the detail before p_before (whole monthly partitions, and what the default partition holds
-- of it) and its hours in usage_hourly, and records that detail is kept from p_before on. Only days already rolled up go.
create or replace function distribution.usage_drop_detail(p_before timestamptz) returns integer
  language plpgsql set search_path = distribution, pg_catalog as $$
  declare cutoff timestamptz;
  declare part record;
  declare dropped integer := 0;
  begin
    select least(p_before, rolled_up_before) into cutoff from distribution.usage_rollup_state where id = 1;
    if cutoff is null or cutoff <= (select detail_from from distribution.usage_rollup_state where id = 1) then
      return 0;
    end if;
    -- Dropping a partition locks the table: as when making one, give up rather than queue the writers.
    perform set_config('lock_timeout', '2s', true);
    for part in
      select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'distribution.usage_reports'::regclass and c.relname ~ '^usage_reports_p[0-9]{6}$'
        and (to_date(substr(c.relname, 16), 'YYYYMM') + interval '1 month') at time zone 'UTC' <= cutoff
    loop
      execute format('drop table distribution.%I', part.relname);
      dropped := dropped + 1;
    end loop;
    delete from distribution.usage_reports_default where reported_at < cutoff;
    -- The hours go with the detail they were summed from: a bound before the cutoff is refused.
    delete from distribution.usage_hourly where hour < cutoff;
    update distribution.usage_rollup_state set detail_from = cutoff where id = 1;
    return dropped;
  end $$;
