// A small collector that uses @licensing/client against `npm start`:
//
//   npm run example:collector -- --key LK-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX [--server http://localhost:8090]
//                                [--units 100] [--runs 3] [--mode scanning] [--offline] [--state-dir DIR]
//                                [--check-update 1.0.0 [--download FILE] [--channel beta]]
//
// It pins the server's public keys on first run (a real product ships them), downloads and verifies
// the license file, activates this machine, sends a heartbeat, then authorizes a few executions,
// reporting their units (queued if the server is unreachable) and printing the balance. With
// --check-update VERSION it asks whether a newer release is there for it (and --download saves it).
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
    "check-update": { type: "string" },
    channel: { type: "string", default: "stable" },
    download: { type: "string" },
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
    // The license keys and the release keys, each kept with its role.
    const keys: TrustedKey[] = [];
    for (const role of ["license", "release"]) {
      const response = await fetch(`${values.server}/v1/keys?role=${role}`);
      keys.push(...((await response.json()) as { keys: TrustedKey[] }).keys);
    }
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
  if (values["check-update"]) {
    const check = await manager.checkForUpdate({
      currentVersion: values["check-update"],
      channel: values.channel,
    });
    if (check.currentYanked) console.log(`Version ${values["check-update"]} was withdrawn: update it.`);
    if (!check.update) console.log(`No update: ${check.reason}`);
    else {
      const { version, artifact } = check.release;
      console.log(
        `Update: ${version} (${artifact.fileName}, ${artifact.size} bytes), checked against the signed index`,
      );
      if (values.download) {
        const saved = await manager.downloadUpdate(values.download);
        console.log(`Saved to ${saved.path}; SHA-256 ${saved.sha256} verified`);
      }
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
