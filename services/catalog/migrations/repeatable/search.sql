-- Account search (src/domain/account-search.ts). Applied after the migrations, again whenever this
-- file changes (docs/development.md, "Repeatable SQL"): every statement must be safe to run twice.

-- Trusted extensions (a database owner may create them), kept in public so every schema shares them.
create extension if not exists pg_trgm with schema public;
create extension if not exists unaccent with schema public;

-- Names are searched lower-cased and without accents; immutable, so it can be indexed. The stored
-- column accounts.search_name is generated from it: a change to what it returns needs a migration
-- that recomputes that column too, not only this file.
create or replace function catalog.search_text(value text) returns text
  language sql immutable parallel safe strict
  as $$ select lower(public.unaccent('public.unaccent'::regdictionary, value)) $$;
