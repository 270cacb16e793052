-- Storage and planner settings the entities cannot say. Applied after the migrations, again
-- whenever this file changes (docs/development.md, "Repeatable SQL"): every statement must be safe
-- to run twice.

-- License files and event payloads are base64 and do not compress: keep them inline, uncompressed.
alter table issuer.license_versions alter column file set storage external;
alter table issuer.license_versions set (toast_tuple_target = 8160);

-- Finer statistics on lower(account_name), which text search filters on. With the default 100
-- histogram buckets, a search text that happens to match one bucket's bound is estimated at 1 % of
-- all licenses, and the planner walks the whole created-at index looking for a page of matches
-- (0.5–1.4 s with a million licenses) instead of asking the trigram index for the few there are.
alter index issuer.licenses_by_account_name alter column 1 set statistics 1000;
alter index issuer.licenses_account_name_trigrams alter column 1 set statistics 1000;
