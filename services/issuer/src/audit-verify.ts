// `npm run audit:verify -w services/issuer`: recomputes the issuer's audit chain and names the first
// entry edited, deleted or moved (docs/operations.md, "Audit log").
import { runAuditVerifyCli } from "@licensing/platform";
import { issuerDatabase } from "./database.ts";

await runAuditVerifyCli(issuerDatabase, "issuer");
