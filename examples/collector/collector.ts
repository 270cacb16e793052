// A small collector that uses @licensing/client against `npm start`:
//
//   npm run example:collector -- --key LK-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX [--server http://localhost:8090]
//                                [--units 100] [--runs 3] [--mode scanning] [--offline] [--state-dir DIR]
//
// It pins the server's public keys on first run (a real product ships them), downloads and verifies
// the license file, activates this machine, sends a heartbeat, then authorizes a few executions,
// reporting their units (queued if the server is unreachable) and printing the balance.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LicenseError, LicenseManager, type TrustedKey } from "@licensing/client";
import { FileStorage } from "@licensing/client/node";

const { values } = parseArgs({
  options: {
    key: { type: "string" },
    server: { type: "string", default: process.env.DISTRIBUTION_URL ?? "http://localhost:8090" },
    product: { type: "string", default: "collector" },
    units: { type: "string", default: "100" },
    runs: { type: "string", default: "3" },
    mode: { type: "string" },
    offline: { type: "boolean", default: false },
    "state-dir": { type: "string", default: join(homedir(), ".licensing", "example-collector") },
  },
});
if (!values.key) {
  console.error(
    "Usage: npm run example:collector -- --key LK-… [--server URL] [--units N] [--runs N] [--mode CODE]",
  );
  console.error("Create a license in the UI (or: npm run bus -- issuer.license.create …) and pass its key.");
  process.exit(2);
}
const stateDir = values["state-dir"];
mkdirSync(stateDir, { recursive: true });

/** Trust on first use, for the example only: a real product ships the keys it trusts. */
async function trustedKeys(): Promise<TrustedKey[]> {
  const pinned = join(stateDir, "trusted-keys.json");
  try {
    return JSON.parse(readFileSync(pinned, "utf8")) as TrustedKey[];
  } catch {
    const response = await fetch(`${values.server}/v1/keys`);
    const { keys } = (await response.json()) as { keys: TrustedKey[] };
    writeFileSync(pinned, JSON.stringify(keys, null, 2));
    console.log(`Pinned ${keys.length} public key(s) from ${values.server} in ${pinned}`);
    return keys;
  }
}

const manager = new LicenseManager({
  product: values.product,
  serverUrl: values.server,
  licenseKey: values.key,
  trustedKeys: await trustedKeys(),
  storage: new FileStorage(stateDir),
  offline: values.offline,
});

try {
  if (!values.offline) {
    const connectivity = await manager.checkConnectivity();
    console.log(
      connectivity.online
        ? `Server reachable (${connectivity.latencyMs} ms)`
        : `Offline: ${connectivity.error}`,
    );
    if (connectivity.online) {
      const { license, updated } = await manager.fetchLicense();
      console.log(
        `License ${license.id} serial ${license.serial} ${updated ? "downloaded" : "is up to date"}; verified offline`,
      );
      const activation = await manager.activate();
      console.log(`Machine ${activation.created ? "activated" : "already active"} (${activation.machineId})`);
      await manager.heartbeat();
      const status = await manager.checkStatus();
      console.log(
        `Status: ${status.status}, ${status.unitsConsumed} units consumed, remaining ${status.unitsRemaining === -1 ? "unlimited" : status.unitsRemaining}`,
      );
    }
  }
  const license = await manager.load();
  console.log(
    `Licensed to ${license.ownerCompany} for ${license.products.join(", ")} until ${license.endDate ?? "no end"}`,
  );
  for (let run = 1; run <= Number(values.runs); run++) {
    const authorization = await manager.authorizeExecution({
      units: Number(values.units),
      ...(values.mode ? { executionMode: values.mode } : {}),
    });
    console.log(
      `Run ${run}: ${authorization.units} units authorized${authorization.queued ? " (queued until online)" : ""}; ` +
        `remaining ${authorization.unitsRemaining === -1 ? "unlimited" : authorization.unitsRemaining}`,
    );
  }
} catch (error) {
  if (error instanceof LicenseError) {
    console.error(`Refused (${error.reason}): ${error.message}`);
    process.exit(1);
  }
  throw error;
} finally {
  manager.close();
}
