import { Migration } from "@mikro-orm/migrations";

export class Notifier extends Migration {
  override name = "0001_notifier";

  override up(): void {
    // One row: the digest's settings, versioned for optimistic concurrency.
    this.addSql(`create table settings (
      id smallint primary key check (id = 1),
      enabled boolean not null,
      daily_time text not null,
      time_zone text not null,
      default_notify_days integer not null,
      recipients text[] not null,
      include_creators boolean not null,
      send_when_empty boolean not null,
      from_address text not null,
      from_name text not null,
      ui_url text not null,
      smtp_host text not null,
      smtp_port integer not null,
      smtp_security text not null check (smtp_security in ('tls', 'starttls', 'none')),
      smtp_username text null,
      smtp_password_enc bytea null,
      installation_id text not null,
      updated_by text null,
      version integer not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null)`);

    // One row per digest day, claimed by the replica that sends it (see domain/digest-runs.ts).
    this.addSql(`create table digest_runs (
      day date primary key,
      scheduled_at timestamptz not null,
      outcome text null check (outcome in ('sent', 'nothing_to_report')),
      attempts integer not null default 0,
      lease_owner text null,
      lease_until timestamptz null,
      next_attempt_at timestamptz not null,
      last_attempt_at timestamptz null,
      last_error text null,
      last_error_at timestamptz null,
      sent_at timestamptz null,
      message_id text null,
      row_count integer null,
      recipient_count integer null,
      created_at timestamptz not null,
      updated_at timestamptz not null)`);
  }
}
