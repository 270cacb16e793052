// Issue 12, defects 1, 5 and 6 from the product's side (docs/client.md, "What the server said"):
// a revocation or suspension learned from the server is refused offline too, until a signed status
// says otherwise; a fleet lease counts only for its own license; a machine file stops counting once
// its activation ended (deactivated, released), and an older one is never taken back.
import { distribution, issuer } from "@licensing/contracts";
import { as, type DistributionUnderTest, startDistribution } from "@licensing/distribution/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FetchLike, MemoryStorage } from "../src/index.ts";
import { manager, reasonOf, unreachable } from "./client-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution({ timings: { heartbeatTimeoutMs: 60_000, leaseTtlMs: 60_000 } });
});
afterAll(() => t?.stop());

const day = 86_400_000;

describe("a revocation or suspension learned from the server", () => {
  it("is refused with the network cut, in offline mode, and a week later", async () => {
    const { licenseKey, id } = await t.issue({ availableActivations: -1 });
    const storage = new MemoryStorage();
    const fingerprint = "revoked-machine";
    const online = await manager(t, { licenseKey, storage, fingerprint });
    await online.fetchLicense();
    await online.authorizeExecution({ units: 1 });
    await t.env.bus.request(issuer.revoke, { id, reason: "contract ended" }, as);
    await t.synced(id, 1, "revoked");
    expect(await reasonOf(online.authorizeExecution({ units: 1 }))).toBe("revoked");
    const cut = await manager(t, { licenseKey, storage, fingerprint, serverUrl: unreachable });
    expect(await reasonOf(cut.authorizeExecution({ units: 1 }))).toBe("revoked");
    const offline = await manager(t, { licenseKey, storage, fingerprint, offline: true });
    expect(await reasonOf(offline.authorizeExecution({ units: 1 }))).toBe("revoked");
    // An answer that is not signed (a stand-in server saying 200) does not lift it.
    const forged: FetchLike = async (url) =>
      url.endsWith("/v1/status")
        ? new Response("{}", { status: 503 })
        : new Response(JSON.stringify({ unitsConsumed: 0, duplicate: false }), { status: 200 });
    const fooled = await manager(t, { licenseKey, storage, fingerprint, fetch: forged });
    expect(await reasonOf(fooled.authorizeExecution({ units: 1 }))).toBe("revoked");
    const later = await manager(t, {
      licenseKey,
      storage,
      fingerprint,
      offline: true,
      now: () => new Date(Date.now() + 8 * day),
    });
    expect(await reasonOf(later.validate())).toBe("revoked");
  });

  it("is lifted by the signed status once the license is reinstated", async () => {
    const { licenseKey, id } = await t.issue({ availableActivations: -1 });
    const storage = new MemoryStorage();
    const fingerprint = "suspended-machine";
    const online = await manager(t, { licenseKey, storage, fingerprint });
    await online.fetchLicense();
    await t.env.bus.request(issuer.suspend, { id, reason: "unpaid invoice" }, as);
    await t.synced(id, 1, "suspended");
    expect(await reasonOf(online.authorizeExecution({ units: 1 }))).toBe("suspended");
    const offline = await manager(t, { licenseKey, storage, fingerprint, offline: true });
    expect(await reasonOf(offline.authorizeExecution({ units: 1 }))).toBe("suspended");
    await t.env.bus.request(issuer.reinstate, { id }, as);
    await t.synced(id, 1, "active");
    expect((await online.authorizeExecution({ units: 1 })).queued).toBe(false);
    expect((await offline.authorizeExecution({ units: 1 })).queued).toBe(true);
  });
});

describe("a fleet lease", () => {
  it("counts only for the license it was signed for", async () => {
    const mine = await t.issue({ products: ["cockpit"], seats: 2 });
    const other = await t.issue({ products: ["cockpit"], seats: 2 });
    const storage = new MemoryStorage();
    const fingerprint = "collector-of-two";
    const otherCollector = await manager(t, {
      licenseKey: other.licenseKey,
      product: "cockpit",
      storage,
      fingerprint,
    });
    await otherCollector.fetchLicense();
    await otherCollector.acquireLease();
    const collector = await manager(t, {
      licenseKey: mine.licenseKey,
      product: "cockpit",
      storage,
      fingerprint,
      offline: true,
      requireLease: true,
    });
    await collector.load(mine.file);
    expect(await reasonOf(collector.validate())).toBe("lease_expired");
    // Asking with the other license's key while this license is loaded is refused too.
    const mixed = await manager(t, {
      licenseKey: other.licenseKey,
      product: "cockpit",
      storage: new MemoryStorage(),
      fingerprint: "mixed-collector",
    });
    await mixed.load(mine.file);
    expect(await reasonOf(mixed.acquireLease())).toBe("lease_expired");
  });
});

describe("a machine whose activation ended", () => {
  it("cannot bring back its machine file after deactivating", async () => {
    const { licenseKey } = await t.issue({ availableActivations: 1 });
    const storage = new MemoryStorage();
    const options = { licenseKey, storage, fingerprint: "leaving-machine", requireActivation: true };
    const m = await manager(t, options);
    await m.fetchLicense();
    await m.activate();
    const saved = (await storage.get("machine-file"))!;
    await m.deactivate();
    const offline = await manager(t, { ...options, offline: true });
    expect(await reasonOf(offline.loadMachineFile(saved))).toBe("not_activated");
    expect(await reasonOf(offline.validate())).toBe("not_activated");
  });

  it("stops offline when its heartbeats would have ended it, and never takes back the longer file", async () => {
    const { licenseKey } = await t.issue({ availableActivations: 1 });
    const storage = new MemoryStorage();
    const fingerprint = "floating-machine";
    const m = await manager(t, {
      licenseKey,
      storage,
      fingerprint,
      requireActivation: true,
      now: t.clock.now,
    });
    await m.fetchLicense();
    const { machineFile } = await m.activate();
    const weekLong = (await storage.get("machine-file"))!;
    expect(Date.parse(machineFile!.expiresAt)).toBeGreaterThan(Date.now() + 6 * day);
    await m.heartbeat(); // heartbeat-bound from now on: the file lasts until the server would release it
    const cut = await manager(t, {
      licenseKey,
      storage,
      fingerprint,
      serverUrl: unreachable,
      requireActivation: true,
      now: t.clock.now,
    });
    expect((await cut.authorizeExecution({ units: 1 })).queued).toBe(true);
    expect(await reasonOf(cut.loadMachineFile(weekLong))).toBe("activation_expired");
    t.clock.advance(61_000);
    try {
      expect(await reasonOf(cut.authorizeExecution({ units: 1 }))).toBe("activation_expired");
      await t.service.sweep(); // the server releases it; its slot goes to another machine
      const next = await manager(t, { licenseKey });
      expect((await next.activate()).created).toBe(true);
      expect(await reasonOf(m.heartbeat())).toBe("license_not_found"); // 404: released
      expect(await reasonOf(cut.validate())).toBe("not_activated");
    } finally {
      t.clock.advance(-61_000);
    }
  });

  it("learns of an operator's deactivation from the next signed status", async () => {
    const { licenseKey, id } = await t.issue({ availableActivations: 1 });
    const storage = new MemoryStorage();
    const m = await manager(t, {
      licenseKey,
      storage,
      fingerprint: "deactivated-by-ops",
      requireActivation: true,
    });
    await m.fetchLicense();
    const { machineId } = await m.activate();
    await m.validate();
    await t.env.bus.request(distribution.deactivateMachine, { licenseId: id, machineId }, as);
    await m.checkStatus();
    expect(await reasonOf(m.validate())).toBe("not_activated");
  });
});
