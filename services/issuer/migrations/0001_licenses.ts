import { Migration } from "@mikro-orm/migrations";

export class Licenses extends Migration {
  override name = "0001_licenses";

  override up(): void {
    this.addSql("create extension if not exists pg_trgm with schema public");

    this.addSql(`create table signing_keys (
      key_id text primary key,
      public_key bytea not null,
      private_key_enc bytea not null,
      status text not null check (status in ('active', 'retired')),
      created_at timestamptz not null,
      retired_at timestamptz null)`);
    // One active key at a time, also when two replicas start together.
    this.addSql(
      "create unique index signing_keys_one_active on signing_keys (status) where status = 'active'",
    );

    this.addSql(`create table licenses (
      id text primary key,
      key_hash text not null unique,
      key_hint text not null,
      key_enc bytea not null,
      account_id text not null,
      account_name text not null,
      kind text not null check (kind in ('commercial', 'test')),
      internal boolean not null,
      license_type text not null,
      products text[] not null,
      product_names text[] not null,
      units_type text not null,
      accumulated_units integer not null,
      units_per_execution integer not null,
      start_date timestamptz not null,
      end_date timestamptz null,
      available_activations integer not null,
      fingerprint text null,
      execution_modes text[] not null,
      custom_features text[] not null,
      notify_days integer null,
      seats integer not null,
      metadata jsonb not null,
      friendly_restrictions jsonb not null,
      owner_company text not null,
      owner_name text null,
      owner_email text null,
      encrypted boolean not null,
      state text not null check (state in ('active', 'suspended', 'revoked')),
      state_reason text null,
      serial integer not null,
      key_id text not null,
      signed_at timestamptz not null,
      date_issued timestamptz not null,
      created_by text not null,
      created_by_name text not null,
      batch_id text null,
      preset_id text null,
      version integer not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null)`);
    // Keyset pages for each sort, and the filters the table offers.
    this.addSql("create index licenses_by_created on licenses (created_at, id)");
    this.addSql("create index licenses_by_end on licenses (coalesce(end_date, 'infinity'), id)");
    this.addSql("create index licenses_by_start on licenses (start_date, id)");
    this.addSql("create index licenses_by_account_name on licenses (lower(account_name), id)");
    this.addSql("create index licenses_by_account on licenses (account_id, created_at)");
    this.addSql("create index licenses_active_by_end on licenses (end_date) where state = 'active'");
    this.addSql("create index licenses_by_state on licenses (state) where state <> 'active'");
    this.addSql("create index licenses_by_product on licenses using gin (products)");
    this.addSql("create index licenses_by_creator on licenses (created_by, created_at)");
    this.addSql("create index licenses_by_key_hint on licenses (key_hint)");
    this.addSql(
      "create index licenses_account_name_trigrams on licenses using gin (lower(account_name) public.gin_trgm_ops)",
    );

    this.addSql(`create table license_versions (
      license_id text not null references licenses (id),
      serial integer not null,
      key_id text not null,
      signed_at timestamptz not null,
      reason text not null check (reason in ('issued', 'renewed', 'reissued')),
      end_date timestamptz null,
      file text not null,
      created_by text not null,
      primary key (license_id, serial))`);

    this.addSql(`create table audit_entries (
      id text primary key,
      license_id text null,
      action text not null,
      actor_id text not null,
      actor_name text not null,
      request_id text null,
      reason text null,
      changes jsonb not null,
      at timestamptz not null)`);
    this.addSql("create index audit_entries_by_license on audit_entries (license_id, at)");

    this.addSql(`create table presets (
      id text primary key,
      name text not null,
      description text not null,
      parameters jsonb not null,
      created_by text not null,
      version integer not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null)`);
    this.addSql("create unique index presets_by_name on presets (lower(name))");

    // A repeated request with the same key gets the first answer. The row of a request in flight
    // is uncommitted, so a concurrent twin's insert waits for it and then finds the answer.
    this.addSql(`create table idempotency_keys (
      scope text not null,
      key text not null,
      request_hash text not null,
      response jsonb not null,
      created_at timestamptz not null,
      primary key (scope, key))`);

    this.addStatsTables();
  }

  /**
   * Dashboard figures over a million licenses must not scan them: these roll-ups are kept exact by
   * statement-level triggers in the same transaction as every change to `licenses`.
   */
  private addStatsTables(): void {
    this.addSql(`create table stats_by_end (
      state text not null,
      kind text not null,
      internal boolean not null,
      product text not null,
      end_day date not null,
      notify_days integer not null,
      n bigint not null,
      primary key (state, kind, internal, product, end_day, notify_days))`);
    this.addSql(`create table stats_by_created (
      created_day date not null,
      kind text not null,
      n bigint not null,
      primary key (created_day, kind))`);
    this.addSql(`create table stats_by_account (
      account_id text primary key,
      n bigint not null)`);
    this.addSql("create index stats_by_account_top on stats_by_account (n desc)");

    // Applies the change from `before` rows to `after` rows; buckets whose count does not move are
    // not touched, so an update that leaves the counted columns alone takes no lock on the roll-ups.
    const changed = `(select r.*, -1 as delta from unnest(before) r union all select r.*, 1 from unnest(after) r) c`;
    this.addSql(`create function stats_apply(before licenses[], after licenses[]) returns void language sql set search_path from current as $$
      insert into stats_by_end as s (state, kind, internal, product, end_day, notify_days, n)
        select state, kind, internal, products[1], coalesce((end_date at time zone 'UTC')::date, 'infinity'::date),
               coalesce(notify_days, -1), sum(delta)
        from ${changed}
        group by 1, 2, 3, 4, 5, 6 having sum(delta) <> 0
        on conflict (state, kind, internal, product, end_day, notify_days) do update set n = s.n + excluded.n;
      insert into stats_by_created as s (created_day, kind, n)
        select (created_at at time zone 'UTC')::date, kind, sum(delta)
        from ${changed}
        group by 1, 2 having sum(delta) <> 0
        on conflict (created_day, kind) do update set n = s.n + excluded.n;
      insert into stats_by_account as s (account_id, n)
        select account_id, sum(delta)
        from ${changed}
        group by 1 having sum(delta) <> 0
        on conflict (account_id) do update set n = s.n + excluded.n;
    $$`);
    // Transition tables need one trigger per event.
    this.addSql(`create function licenses_inserted() returns trigger language plpgsql set search_path from current as $$
      begin perform stats_apply('{}'::licenses[], array(select row(r.*)::licenses from inserted r)); return null; end $$`);
    this.addSql(`create function licenses_updated() returns trigger language plpgsql set search_path from current as $$
      begin perform stats_apply(array(select row(r.*)::licenses from before_rows r), array(select row(r.*)::licenses from after_rows r)); return null; end $$`);
    this.addSql(`create function licenses_deleted() returns trigger language plpgsql set search_path from current as $$
      begin perform stats_apply(array(select row(r.*)::licenses from deleted r), '{}'::licenses[]); return null; end $$`);
    this.addSql(`create trigger licenses_stats_insert after insert on licenses
      referencing new table as inserted for each statement execute function licenses_inserted()`);
    this.addSql(`create trigger licenses_stats_update after update on licenses
      referencing old table as before_rows new table as after_rows for each statement execute function licenses_updated()`);
    this.addSql(`create trigger licenses_stats_delete after delete on licenses
      referencing old table as deleted for each statement execute function licenses_deleted()`);
  }
}
