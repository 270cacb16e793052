import { ConfigError, databaseConfig, loadConfig } from "../config.ts";
import { type DatabaseDefinition, openDatabase } from "../database.ts";
import { createLogger } from "../logger.ts";
import { verifyAuditChain } from "./chain.ts";

/**
 * `npm run audit:verify -w services/<name>` (docs/operations.md, "Audit log"): recomputes the
 * service's audit chain and prints what it found; exits 1 when an entry was edited, deleted or
 * moved, naming the first. Reads DATABASE_URL (or DATABASE_URL_FILE) only.
 */
export async function runAuditVerifyCli(definition: DatabaseDefinition, service: string): Promise<void> {
  let url: string;
  try {
    url = loadConfig(databaseConfig).DATABASE_URL;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  const orm = await openDatabase({ ...definition, url, log: createLogger(service, "warn"), poolSize: 2 });
  try {
    const report = await verifyAuditChain(orm.em.fork(), service);
    const head = report.head ? `head ${report.head.seq} ${report.head.hash}` : "no entry chained yet";
    if (report.ok) {
      console.log(
        `${service}: audit chain intact: ${report.checked} entries, ${report.pending} pending; ${head}`,
      );
    } else {
      const broken = report.firstBroken!;
      console.error(
        `${service}: audit chain BROKEN at entry ${broken.seq}${broken.id ? ` (${broken.id})` : ""}: ${broken.reason}` +
          ` (${report.checked} entries before it intact)`,
      );
      process.exitCode = 1;
    }
  } finally {
    await orm.close();
  }
}
