// A product process for the multi-process tests: a LicenseManager on a shared state folder that
// authorizes `runs` executions (or runs until killed) and prints one JSON line per attempt.
import { LicenseError, LicenseManager, type TrustedKey } from "../../src/index.ts";
import { FileStorage } from "../../src/platform-node.ts";

export interface ProductProcessConfig {
  dir: string;
  trustedKeys: TrustedKey[];
  file: string;
  licenseKey: string;
  fingerprint: string;
  /** Without it, offline mode. */
  serverUrl?: string;
  units: number;
  /** How many executions; 0 for until killed. */
  runs: number;
}

const config = JSON.parse(process.argv[2]!) as ProductProcessConfig;
const manager = new LicenseManager({
  product: "collector",
  trustedKeys: config.trustedKeys,
  licenseKey: config.licenseKey,
  storage: new FileStorage(config.dir),
  fingerprint: config.fingerprint,
  proxy: false,
  ...(config.serverUrl ? { serverUrl: config.serverUrl } : { offline: true }),
});
await manager.load(config.file);
for (let i = 0; config.runs === 0 || i < config.runs; i++) {
  try {
    const run = await manager.authorizeExecution({ units: config.units });
    process.stdout.write(`${JSON.stringify({ ok: run.reportId, units: run.units })}\n`);
  } catch (error) {
    if (!(error instanceof LicenseError)) throw error;
    process.stdout.write(`${JSON.stringify({ refused: error.reason })}\n`);
  }
}
process.stdout.write(`${JSON.stringify({ done: true })}\n`);
