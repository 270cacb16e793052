import { Migration } from "@mikro-orm/migrations";

export class UsersSessionsModules extends Migration {
  override name = "0001_users_sessions_modules";

  override up(): void {
    this.addSql(`create table users (
      id text primary key,
      username text not null,
      username_key text not null unique,
      roles jsonb not null,
      password_hash text not null,
      disabled boolean not null default false,
      must_change_password boolean not null default false,
      last_sign_in_at timestamptz null,
      version integer not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null)`);

    this.addSql(`create table sessions (
      token_hash text primary key,
      user_id text not null references users (id) on delete cascade,
      csrf_secret text not null,
      created_at timestamptz not null,
      last_seen_at timestamptz not null,
      expires_at timestamptz not null)`);
    this.addSql("create index sessions_user_id_index on sessions (user_id)");
    this.addSql("create index sessions_expires_at on sessions (expires_at)");

    this.addSql(`create table module_activations (
      module text primary key,
      license_file text not null,
      license_id text not null,
      owner_company text not null,
      end_date timestamptz null,
      activated_at timestamptz not null,
      activated_by text not null)`);
  }
}
