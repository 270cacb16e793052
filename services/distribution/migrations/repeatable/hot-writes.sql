-- The two hot writes of the product API as functions (src/domain/machines.ts, usage.ts), so each
-- is one round trip in one implicit transaction: a raised exception undoes the insert before it.
-- The counting constraint is the UPDATE's WHERE, evaluated under the row lock the UPDATE takes.
-- Applied after the migrations, again whenever this file changes (docs/development.md,
-- "Repeatable SQL"): every statement must be safe to run twice.

create or replace function distribution.activate_machine(p_id text, p_license text, p_fingerprint text,
    p_hostname text, p_platform text, p_offline boolean, p_public_key text, p_now timestamptz) returns jsonb
  language plpgsql as $$
  declare m distribution.machines;
  begin
    insert into distribution.machines (id, license_id, fingerprint, hostname, platform, status, offline,
      machine_public_key, activated_at, last_seen_at)
    values (p_id, p_license, p_fingerprint, p_hostname, p_platform, 'active', p_offline, p_public_key, p_now, p_now)
    on conflict (license_id, fingerprint) where status = 'active' do nothing
    returning * into m;
    if found then
      update distribution.licenses set active_machines = active_machines + 1
      where license_id = p_license and (available_activations < 0 or active_machines < available_activations);
      if not found then
        raise exception 'activation_limit_reached' using errcode = 'P0001';
      end if;
      return to_jsonb(m) || '{"created": true}';
    end if;
    -- This fingerprint is already active: the same activation, seen again.
    update distribution.machines set last_seen_at = p_now,
      hostname = case when p_hostname <> '' then p_hostname else hostname end,
      platform = case when p_platform <> '' then p_platform else platform end,
      offline = offline or p_offline,
      machine_public_key = coalesce(p_public_key, machine_public_key)
    where license_id = p_license and fingerprint = p_fingerprint and status = 'active'
    returning * into m;
    if not found then
      raise exception 'conflict' using errcode = 'P0001';
    end if;
    return to_jsonb(m) || '{"created": false}';
  end $$;

-- A retried report (same idempotency key) is answered as the first was, and counted once. The keys
-- of the retention window are one table with one primary key (usage_report_keys; the detail's
-- partitions could only make a key unique within a month): the key goes in first, `on conflict do
-- nothing`, so a twin sent at the same moment waits on the first one's commit, then finds its row
-- (a retry is recognised while its key is kept: docs/distribution.md, "Usage data").
create or replace function distribution.report_usage(p_license text, p_key text, p_units bigint, p_account text,
    p_product text, p_fingerprint text, p_mode text, p_executed timestamptz, p_now timestamptz) returns jsonb
  language plpgsql as $$
  declare l distribution.licenses;
  declare earlier bigint;
  declare counted_at timestamptz := distribution.usage_report_time(p_now);
  begin
    insert into distribution.usage_report_keys (license_id, idempotency_key, units, reported_at)
    values (p_license, p_key, p_units, counted_at)
    on conflict (license_id, idempotency_key) do nothing;
    if not found then
      select units into earlier from distribution.usage_report_keys
      where license_id = p_license and idempotency_key = p_key;
      select * into l from distribution.licenses where license_id = p_license;
      return jsonb_build_object('duplicate', true, 'earlierUnits', earlier, 'units_consumed', l.units_consumed,
        'accumulated_units', l.accumulated_units, 'units_per_execution', l.units_per_execution,
        'last_used_at', l.last_used_at);
    end if;
    insert into distribution.usage_reports (license_id, idempotency_key, units, account_id, product, fingerprint,
      execution_mode, executed_at, reported_at)
    values (p_license, p_key, p_units, p_account, p_product, p_fingerprint, p_mode, p_executed, counted_at);
    update distribution.licenses set units_consumed = units_consumed + p_units,
      last_used_at = greatest(last_used_at, p_now)
    where license_id = p_license and (accumulated_units < 0 or units_consumed + p_units <= accumulated_units)
    returning * into l;
    if not found then
      raise exception 'units_exhausted' using errcode = 'P0001';
    end if;
    return jsonb_build_object('duplicate', false, 'units_consumed', l.units_consumed,
      'accumulated_units', l.accumulated_units, 'units_per_execution', l.units_per_execution,
      'last_used_at', l.last_used_at);
  end $$;
