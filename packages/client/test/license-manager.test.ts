import { issuer } from "@licensing/contracts";
import { as, type DistributionUnderTest, startDistribution } from "@licensing/distribution/testing";
import { createSigner, ed25519, sealDocument } from "@licensing/model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LicenseError, LicenseManager, MemoryStorage, type TrustedKey } from "../src/index.ts";
import { FileStorage } from "../src/platform-node.ts";
import { manager, pinnedKeys, temporaryDir } from "./client-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution({ timings: { leaseTtlMs: 60_000 } });
});
afterAll(() => t?.stop());

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LicenseError);
  return (error as LicenseError).reason;
}

describe("loading and verifying offline", () => {
  it("fetches the file by key, verifies it against pinned keys, and enforces its terms", async () => {
    const { licenseKey, id } = await t.issue({ executionModes: ["scanning"], customFeatures: ["csharp"] });
    const m = await manager(t, { licenseKey });
    const { license, updated } = await m.fetchLicense();
    expect(license.id).toBe(id);
    expect(updated).toBe(true);
    expect((await m.fetchLicense()).updated).toBe(false); // 304: nothing newer
    await m.validate({ executionMode: "scanning", features: ["csharp"] });
    expect(await refusal(m.validate({ executionMode: "migration" }))).toBe("mode_not_allowed");
    expect(await refusal(m.validate({ features: ["asp"] }))).toBe("feature_not_allowed");
    expect(await refusal(m.validate({ product: "cockpit" }))).toBe("wrong_product");
  });

  it("refuses a tampered file and a file signed by a key that is not pinned", async () => {
    const { file } = await t.issue();
    const m = await manager(t, { serverUrl: undefined });
    const lines = file.split("\n");
    const tampered = lines
      .map((l, i) => (i === 3 ? `${l.slice(0, 20)}${l[20] === "A" ? "B" : "A"}${l.slice(21)}` : l))
      .join("\n");
    expect(await refusal(m.load(tampered))).toMatch(/bad_signature|invalid_file/);
    const stranger = new LicenseManager({
      product: "collector",
      trustedKeys: [{ keyId: "someone-else", publicKey: ed25519.generateKeyPair().publicKey }],
      storage: new MemoryStorage(),
      fingerprint: "fp-stranger-1",
    });
    expect(await refusal(stranger.load(file))).toBe("untrusted_key");
    // A document signed for another purpose never passes as a license file.
    const { privateKey, publicKey } = ed25519.generateKeyPair();
    const forged = sealDocument({
      purpose: "status",
      payload: { a: 1 },
      signer: createSigner("k-forger", privateKey),
    });
    const trusting = new LicenseManager({
      product: "collector",
      trustedKeys: [{ keyId: "k-forger", publicKey }],
      storage: new MemoryStorage(),
      fingerprint: "fp-forger-1",
    });
    expect(await refusal(trusting.load(forged))).toBe("invalid_file");
    // The license key pinned as a release key (a hand-edited list) verifies no license file.
    const relabelled = new LicenseManager({
      product: "collector",
      trustedKeys: (await pinnedKeys(t)).map((key) => ({ ...key, role: "release" as const })),
      storage: new MemoryStorage(),
      fingerprint: "fp-relabelled-1",
    });
    expect(await refusal(relabelled.load(file))).toBe("untrusted_key");
    expect(await refusal(m.validate())).toBe("no_license");
  });

  it("refuses an expired or not yet valid license, and a license bound to another machine", async () => {
    const later = await t.issue({ startDate: new Date(Date.now() + 5 * 86_400_000).toISOString() });
    const m = await manager(t, { serverUrl: undefined });
    await m.load(later.file);
    expect(await refusal(m.validate())).toBe("not_yet_valid");
    const issued = await t.issue({ durationDays: 1 });
    const future = await manager(t, {
      serverUrl: undefined,
      now: () => new Date(Date.now() + 2 * 86_400_000),
    });
    await future.load(issued.file);
    expect(await refusal(future.validate())).toBe("expired");
    const bound = await t.issue({ fingerprint: "someone-elses-machine" });
    const here = await manager(t, { serverUrl: undefined });
    await here.load(bound.file);
    expect(await refusal(here.validate())).toBe("fingerprint_mismatch");
  });

  it("refuses to run when the clock is set back behind the last execution", async () => {
    const { file } = await t.issue({
      accumulatedUnits: -1,
      unitsPerExecution: -1,
      startDate: new Date(Date.now() - 10 * 86_400_000).toISOString(),
    });
    let now = Date.now();
    const m = await manager(t, { serverUrl: undefined, offline: true, now: () => new Date(now) });
    await m.load(file);
    await m.authorizeExecution({ units: 1 });
    now -= 2 * 60_000; // within the tolerance (5 minutes)
    await m.authorizeExecution({ units: 1 });
    now -= 3 * 3_600_000;
    expect(await refusal(m.authorizeExecution({ units: 1 }))).toBe("clock_set_back");
  });
});

describe("usage", () => {
  it("reports executions online and keeps the balance, refusing past it", async () => {
    const { licenseKey } = await t.issue({ accumulatedUnits: 30, unitsPerExecution: 10 });
    const m = await manager(t, { licenseKey });
    await m.fetchLicense();
    await m.activate(); // a license limited to 1 machine takes usage from its activated machine only
    const first = await m.authorizeExecution({ units: 10 });
    expect(first).toMatchObject({ queued: false, unitsRemaining: 20 });
    expect(await refusal(m.authorizeExecution({ units: 11 }))).toBe("units_per_execution_exceeded");
    await m.authorizeExecution({ units: 10 });
    await m.authorizeExecution({ units: 10 });
    expect(await refusal(m.authorizeExecution({ units: 1 }))).toBe("units_exhausted");
    const balance = (await (
      await fetch(`${t.url}/v1/usage`, { headers: { authorization: `License ${licenseKey}` } })
    ).json()) as { unitsConsumed: number };
    expect(balance.unitsConsumed).toBe(30);
  });

  it("with no per-execution cap, lets one execution take what is left and never more", async () => {
    const { licenseKey } = await t.issue({ accumulatedUnits: 500 });
    const m = await manager(t, { licenseKey });
    const { license } = await m.fetchLicense();
    await m.activate();
    expect(license).toMatchObject({ accumulatedUnits: 500, unitsPerExecution: -1 });
    expect(await m.authorizeExecution({ units: 300 })).toMatchObject({ unitsRemaining: 200 });
    expect(await refusal(m.authorizeExecution({ units: 201 }))).toBe("units_exhausted");
    expect(await m.authorizeExecution({ units: 200 })).toMatchObject({ unitsRemaining: 0 });
    expect(await refusal(m.authorizeExecution({ units: 1 }))).toBe("units_exhausted");
    const balance = (await (
      await fetch(`${t.url}/v1/usage`, { headers: { authorization: `License ${licenseKey}` } })
    ).json()) as { unitsConsumed: number; unitsRemaining: number };
    expect(balance).toMatchObject({ unitsConsumed: 500, unitsRemaining: 0 });
  });

  it("queues usage while the server is unreachable and sends it later, each report once", async () => {
    const { licenseKey, file } = await t.issue({ accumulatedUnits: 1_000, unitsPerExecution: 100 });
    const storage = new FileStorage(temporaryDir());
    const options = { licenseKey, storage, fingerprint: "queueing-machine" };
    await (await manager(t, options)).activate(); // once online: the offline grace starts
    const offline = await manager(t, { ...options, serverUrl: "http://127.0.0.1:9" });
    await offline.load(file);
    for (let i = 0; i < 3; i++) expect((await offline.authorizeExecution({ units: 5 })).queued).toBe(true);
    expect((await offline.usage()).queuedUnits).toBe(15);
    // A later run of the product, now online, with the same storage.
    const online = await manager(t, options);
    const flushed = await online.flushUsage();
    expect(flushed).toMatchObject({ sent: 3, pending: 0 });
    expect((await online.flushUsage()).sent).toBe(0);
    const balance = (await (
      await fetch(`${t.url}/v1/usage`, { headers: { authorization: `License ${licenseKey}` } })
    ).json()) as { unitsConsumed: number };
    expect(balance.unitsConsumed).toBe(15);
  });

  it("stops working offline after the grace period", async () => {
    const { licenseKey, file } = await t.issue();
    let now = Date.now();
    const storage = new MemoryStorage();
    await (await manager(t, { licenseKey, storage, fingerprint: "grace-machine" })).checkStatus();
    const m = await manager(t, {
      licenseKey,
      storage,
      fingerprint: "grace-machine",
      serverUrl: "http://127.0.0.1:9",
      offlineGraceMs: 3_600_000,
      now: () => new Date(now),
    });
    await m.load(file);
    expect((await m.authorizeExecution({ units: 1 })).queued).toBe(true);
    now += 2 * 3_600_000;
    expect(await refusal(m.authorizeExecution({ units: 1 }))).toBe("offline_grace_expired");
  });
});

describe("activation, heartbeats, machine file", () => {
  it("activates, requires the machine-bound file when asked, heartbeats and deactivates", async () => {
    const { licenseKey, id } = await t.issue({ availableActivations: 1 });
    const m = await manager(t, { licenseKey, requireActivation: true });
    await m.fetchLicense();
    expect(await refusal(m.validate())).toBe("not_activated");
    const activation = await m.activate();
    expect(activation.created).toBe(true);
    expect(activation.machineFile?.licenseId).toBe(id);
    await m.validate();
    await m.heartbeat();
    const other = await manager(t, { licenseKey });
    expect(await refusal(other.activate())).toBe("activation_limit_reached");
    await m.deactivate();
    expect(await refusal(m.validate())).toBe("not_activated");
    expect((await other.activate()).created).toBe(true);
  });

  it("round-trips an offline activation: request file out, machine file in", async () => {
    const { licenseKey, id } = await t.issue();
    const airGapped = await manager(t, {
      licenseKey,
      offline: true,
      requireActivation: true,
      fingerprint: "air-gapped-01",
    });
    const request = await airGapped.createOfflineActivationRequest();
    expect(request).toMatch(/^-----BEGIN ACTIVATION REQUEST-----/);
    // Someone carries it to a connected computer and uploads it with the key.
    const response = await fetch(`${t.url}/v1/offline-activations`, {
      method: "POST",
      headers: { authorization: `License ${licenseKey}`, "content-type": "application/json" },
      body: JSON.stringify({ request }),
    });
    expect(response.status).toBe(200);
    const { file } = (await response.json()) as { file: string };
    const loaded = await airGapped.loadMachineFile(file);
    expect(loaded).toMatchObject({ licenseId: id, offline: true, fingerprint: "air-gapped-01" });
    expect(airGapped.license?.id).toBe(id);
    await airGapped.validate();
    expect((await airGapped.authorizeExecution({ units: 1 })).queued).toBe(true);
    // The machine file is for that machine only.
    const elsewhere = await manager(t, { licenseKey, offline: true, fingerprint: "another-machine" });
    expect(await refusal(elsewhere.loadMachineFile(file))).toBe("fingerprint_mismatch");
  });
});

describe("fleet leases and status", () => {
  it("holds a lease, requires it when asked, and releases it", async () => {
    const { licenseKey } = await t.issue({ products: ["cockpit"], seats: 1 });
    const collector = await manager(t, { licenseKey, product: "cockpit", requireLease: true });
    await collector.fetchLicense();
    expect(await refusal(collector.validate())).toBe("lease_expired");
    const lease = await collector.acquireLease();
    expect(lease.seats).toBe(1);
    await collector.validate();
    const second = await manager(t, { licenseKey, product: "cockpit" });
    expect(await refusal(second.acquireLease())).toBe("seats_exhausted");
    await collector.releaseLease();
    await second.acquireLease();
  });

  it("checks the status with a fresh nonce, and learns of a newer file and of a suspension", async () => {
    const { licenseKey, id } = await t.issue();
    const m = await manager(t, { licenseKey });
    await m.fetchLicense();
    const status = await m.checkStatus();
    expect(status).toMatchObject({ licenseId: id, status: "active", newerFile: false });
    await t.env.bus.request(issuer.renew, { id, extendDays: 3 }, as);
    await t.synced(id, 2);
    expect((await m.checkStatus()).newerFile).toBe(true);
    expect((await m.refresh()).license.serial).toBe(2);
    await t.env.bus.request(issuer.suspend, { id, reason: "paused by support" }, as);
    await t.synced(id, 2, "suspended");
    expect(await refusal(m.checkStatus())).toBe("suspended");
    expect(await refusal(m.authorizeExecution({ units: 1 }))).toBe("suspended");
    expect((await m.checkConnectivity()).online).toBe(true);
    const unreachable = await manager(t, { licenseKey, serverUrl: "http://127.0.0.1:9" });
    expect(await unreachable.checkConnectivity()).toMatchObject({ online: false });
  });

  it("pins keys from GET /v1/keys: the license keys, which verify license files", async () => {
    const pinned = await pinnedKeys(t);
    expect(pinned.length).toBeGreaterThan(0);
    expect(pinned.every((key) => key.role === "license")).toBe(true);
    // Release keys pinned beside them (GET /v1/keys?role=release) change nothing for licenses.
    const release = (await (await fetch(`${t.url}/v1/keys?role=release`)).json()) as { keys: TrustedKey[] };
    expect(release.keys.length).toBeGreaterThan(0);
    const { licenseKey } = await t.issue();
    const both = await manager(t, { licenseKey, trustedKeys: [...release.keys, ...pinned] });
    expect((await both.refresh()).license.id).toBeDefined();
  });
});
