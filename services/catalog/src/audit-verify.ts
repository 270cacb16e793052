// `npm run audit:verify -w services/catalog`: recomputes the catalog's audit chain and names the first
// entry edited, deleted or moved (docs/operations.md, "Audit log").
import { runAuditVerifyCli } from "@licensing/platform";
import { catalogDatabase } from "./database.ts";

await runAuditVerifyCli(catalogDatabase, "catalog");
