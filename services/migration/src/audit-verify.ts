// `npm run audit:verify -w services/migration`: recomputes the migration's audit chain and names the first
// entry edited, deleted or moved (docs/operations.md, "Audit log").
import { runAuditVerifyCli } from "@licensing/platform";
import { migrationDatabase } from "./database.ts";

await runAuditVerifyCli(migrationDatabase, "migration");
