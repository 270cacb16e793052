// `npm run audit:verify -w services/gateway`: recomputes the gateway's audit chain and names the first
// entry edited, deleted or moved (docs/operations.md, "Audit log").
import { runAuditVerifyCli } from "@licensing/platform";
import { gatewayDatabase } from "./database.ts";

await runAuditVerifyCli(gatewayDatabase, "gateway");
