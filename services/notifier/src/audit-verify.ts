// `npm run audit:verify -w services/notifier`: recomputes the notifier's audit chain and names the first
// entry edited, deleted or moved (docs/operations.md, "Audit log").
import { runAuditVerifyCli } from "@licensing/platform";
import { notifierDatabase } from "./database.ts";

await runAuditVerifyCli(notifierDatabase, "notifier");
