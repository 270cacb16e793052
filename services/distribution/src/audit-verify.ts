// `npm run audit:verify -w services/distribution`: recomputes the distribution's audit chain and names
// the first entry edited, deleted or moved (docs/operations.md, "Audit log").
import { runAuditVerifyCli } from "@licensing/platform";
import { distributionDatabase } from "./database.ts";

await runAuditVerifyCli(distributionDatabase, "distribution");
