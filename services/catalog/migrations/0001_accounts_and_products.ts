import { Migration } from "@mikro-orm/migrations";

export class AccountsAndProducts extends Migration {
  override name = "0001_accounts_and_products";

  override up(): void {
    // Trusted extensions (a database owner may create them), kept in public so every schema shares them.
    this.addSql("create extension if not exists pg_trgm with schema public");
    this.addSql("create extension if not exists unaccent with schema public");
    // Names are searched lower-cased and without accents; an immutable function so it can be indexed.
    this.addSql(`create function search_text(value text) returns text
      language sql immutable parallel safe strict
      as $$ select lower(public.unaccent('public.unaccent'::regdictionary, value)) $$`);

    this.addSql(`create table accounts (
      id text primary key,
      type text not null check (type in ('customer', 'prospect')),
      name text not null,
      search_name text generated always as (search_text(name)) stored,
      external_id text null,
      country text null,
      contacts jsonb not null default '[]',
      sales_owner text null,
      notes text not null default '',
      archived boolean not null default false,
      version integer not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null)`);
    this.addSql(
      "create unique index accounts_external_id on accounts (external_id) where external_id is not null",
    );
    this.addSql("create index accounts_by_name on accounts (search_name, id)");
    this.addSql(
      "create index accounts_name_trigrams on accounts using gin (search_name public.gin_trgm_ops)",
    );

    this.addSql(`create table products (
      code text primary key,
      name text not null,
      execution_modes jsonb not null,
      custom_features jsonb not null,
      units_types jsonb not null,
      default_notify_days integer not null,
      defaults jsonb not null,
      version integer not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null)`);
  }
}
