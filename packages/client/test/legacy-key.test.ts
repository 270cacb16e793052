// A product holding a migrated license's legacy key (a GUID) works against the real distribution
// service as with an LK- key (issue 14): download, activation, usage, heartbeats, fleet leases and
// offline activation.
import { randomUUID } from "node:crypto";
import { type DistributionUnderTest, startDistribution } from "@licensing/distribution/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manager } from "./client-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution({ timings: { leaseTtlMs: 60_000 } });
});
afterAll(() => t?.stop());

describe("a legacy GUID as the license key", () => {
  it("fetches, activates, beats and reports usage", async () => {
    const guid = randomUUID();
    const { id } = await t.importLegacy(guid, {
      params: { accumulatedUnits: 30, unitsPerExecution: 10, availableActivations: 1 },
    });
    const m = await manager(t, { licenseKey: `{${guid.toUpperCase()}}` });
    const { license } = await m.fetchLicense();
    expect(license).toMatchObject({ id, createdBy: "legacy-admin" });
    expect(license.metadata).toMatchObject({ "legacy.source": "studio", "legacy.id": `STUDIO-${guid}` });
    await m.activate();
    await m.heartbeat();
    expect(await m.authorizeExecution({ units: 10 })).toMatchObject({ queued: false, unitsRemaining: 20 });
    const status = await m.checkStatus();
    expect(status.newerFile).toBe(false);
    await m.deactivate();
    m.close();
  });

  it("holds a fleet lease", async () => {
    const guid = randomUUID();
    await t.importLegacy(guid, { params: { products: ["cockpit"], seats: 1 } });
    const m = await manager(t, { licenseKey: guid, product: "cockpit" });
    await m.fetchLicense();
    const lease = await m.acquireLease();
    expect(lease.fingerprint).toBe(await m.fingerprint());
    await m.releaseLease();
    m.close();
  });

  it("round-trips an offline activation made for the GUID", async () => {
    const guid = randomUUID();
    const { id } = await t.importLegacy(guid);
    const airGapped = await manager(t, {
      licenseKey: guid.replaceAll("-", ""),
      offline: true,
      requireActivation: true,
      fingerprint: "air-gapped-legacy-01",
    });
    const request = await airGapped.createOfflineActivationRequest();
    const response = await fetch(`${t.url}/v1/offline-activations`, {
      method: "POST",
      headers: { authorization: `License ${guid}`, "content-type": "application/json" },
      body: JSON.stringify({ request }),
    });
    expect(response.status).toBe(200);
    const { file } = (await response.json()) as { file: string };
    expect(await airGapped.loadMachineFile(file)).toMatchObject({ licenseId: id, offline: true });
    await airGapped.validate();
    airGapped.close();
  });
});
