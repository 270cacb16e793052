import { Migration } from "@mikro-orm/migrations";

export class Distribution extends Migration {
  override name = "0001_distribution";

  override up(): void {
    // The read model of the issuer's licenses (newest file and state) and the usage state kept here.
    this.addSql(`create table licenses (
      license_id text primary key,
      key_hash text not null unique,
      account_id text not null,
      state text not null check (state in ('active', 'suspended', 'revoked')),
      state_at timestamptz not null,
      serial integer not null,
      file text not null,
      encrypted boolean not null,
      products text[] not null,
      kind text not null,
      internal boolean not null,
      start_date timestamptz not null,
      end_date timestamptz null,
      available_activations integer not null,
      accumulated_units bigint not null,
      units_per_execution bigint not null,
      seats integer not null,
      fingerprint text null,
      change_seq bigint not null,
      changed_at timestamptz not null,
      active_machines integer not null default 0 check (active_machines >= 0),
      units_consumed bigint not null default 0 check (units_consumed >= 0),
      last_used_at timestamptz null,
      times_downloaded bigint not null default 0,
      last_downloaded_at timestamptz null)`);
    // The hand-off's change feed: one number per change, assigned in commit order.
    this.addSql("create sequence license_changes");
    this.addSql("create index licenses_by_change on licenses (change_seq)");

    this.addSql(`create table machines (
      id text primary key,
      license_id text not null references licenses (license_id),
      fingerprint text not null,
      hostname text not null,
      platform text not null,
      status text not null check (status in ('active', 'deactivated', 'released')),
      offline boolean not null,
      machine_public_key text null,
      activated_at timestamptz not null,
      last_seen_at timestamptz not null,
      last_heartbeat_at timestamptz null,
      ended_at timestamptz null,
      end_reason text null)`);
    // One active activation per fingerprint and license: the same machine twice is one activation.
    this.addSql(
      "create unique index machines_one_active on machines (license_id, fingerprint) where status = 'active'",
    );
    this.addSql(
      "create index machines_heartbeats on machines (last_heartbeat_at) where status = 'active' and not offline",
    );
    this.addSql("create index machines_by_license on machines (license_id, activated_at)");

    this.addSql(`create table usage_reports (
      license_id text not null references licenses (license_id),
      idempotency_key text not null,
      units bigint not null,
      account_id text not null,
      product text not null,
      fingerprint text null,
      execution_mode text null,
      executed_at timestamptz null,
      reported_at timestamptz not null,
      primary key (license_id, idempotency_key))`);
    this.addSql("create index usage_by_time on usage_reports (reported_at)");
    this.addSql("create index usage_by_account on usage_reports (account_id, reported_at)");

    this.addSql(`create table leases (
      id text primary key,
      license_id text not null references licenses (license_id),
      fingerprint text not null,
      hostname text not null,
      acquired_at timestamptz not null,
      renewed_at timestamptz not null,
      expires_at timestamptz not null,
      released_at timestamptz null,
      release_reason text null)`);
    this.addSql(
      "create unique index leases_one_per_collector on leases (license_id, fingerprint) where released_at is null",
    );

    // The two hot writes as functions, so each is one round trip in one implicit transaction: a
    // raised exception undoes the insert before it. The counting constraint is the UPDATE's WHERE,
    // evaluated under the row lock the UPDATE takes.
    this.addSql(`create function activate_machine(p_id text, p_license text, p_fingerprint text, p_hostname text,
        p_platform text, p_offline boolean, p_public_key text, p_now timestamptz) returns jsonb
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
      end $$`);
    this.addSql(`create function report_usage(p_license text, p_key text, p_units bigint, p_account text,
        p_product text, p_fingerprint text, p_mode text, p_executed timestamptz, p_now timestamptz) returns jsonb
      language plpgsql as $$
      declare l distribution.licenses;
      declare earlier bigint;
      begin
        insert into distribution.usage_reports (license_id, idempotency_key, units, account_id, product, fingerprint,
          execution_mode, executed_at, reported_at)
        values (p_license, p_key, p_units, p_account, p_product, p_fingerprint, p_mode, p_executed, p_now)
        on conflict (license_id, idempotency_key) do nothing;
        if not found then
          select units into earlier from distribution.usage_reports where license_id = p_license and idempotency_key = p_key;
          select * into l from distribution.licenses where license_id = p_license;
          return jsonb_build_object('duplicate', true, 'earlierUnits', earlier, 'units_consumed', l.units_consumed,
            'accumulated_units', l.accumulated_units, 'units_per_execution', l.units_per_execution,
            'last_used_at', l.last_used_at);
        end if;
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
      end $$`);

    // The issuer's public keys, kept so GET /v1/keys answers while the issuer is down.
    this.addSql(`create table signing_keys (
      key_id text primary key,
      public_key text not null,
      status text not null,
      created_at timestamptz not null)`);

    // What operators did here (deactivations, lease releases), and who.
    this.addSql(`create table audit (
      id text primary key,
      at timestamptz not null,
      action text not null,
      license_id text not null,
      target_id text not null,
      actor_id text not null,
      actor_name text not null,
      request_id text null,
      reason text null)`);
    this.addSql("create index audit_by_license on audit (license_id, at)");

    // How far the license-files stream has been published.
    this.addSql("create table feed_state (name text primary key, last_seq bigint not null)");
    this.addSql("insert into feed_state values ('license-files', 0)");
  }
}
