-- The hand-off's change feed (src/domain/read-model.ts, handoff.ts): one number per change to a
-- license, taken in commit order. A standalone sequence, which the entities cannot declare; created
-- once and never reset. Applied after the migrations, again whenever this file changes
-- (docs/development.md, "Repeatable SQL"): every statement must be safe to run twice.
create sequence if not exists distribution.license_changes;
