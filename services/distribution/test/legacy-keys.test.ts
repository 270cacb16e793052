// A migrated license's legacy key (a GUID) works on every route of the products' API as its LK- key
// does (issue 14), end to end: imported into the real issuer, learnt from its events.
import { randomBytes, randomUUID } from "node:crypto";
import { distribution, issuer, machineActivationPayload } from "@licensing/contracts";
import { createSigner, ed25519, legacyKeyLookupHash, openDocument, sealDocument } from "@licensing/model";
import { queryOne } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { machineKeyId } from "../src/domain/offline.ts";
import { type DistributionUnderTest, startDistribution, superadmin } from "./distribution-harness.ts";

let t: DistributionUnderTest;
let keys: { keyId: string; publicKey: Uint8Array }[];
beforeAll(async () => {
  t = await startDistribution({ timings: { leaseTtlMs: 60_000 } });
  const { keys: published } = (await t.call("GET", "/v1/keys")).json() as {
    keys: { keyId: string; publicKey: string }[];
  };
  keys = published.map((k) => ({
    keyId: k.keyId,
    publicKey: new Uint8Array(Buffer.from(k.publicKey, "base64")),
  }));
});
afterAll(() => t?.stop());

const admin = { ctx: { requestId: "req_legacy", actor: superadmin } };

describe("legacy keys on the products' API", () => {
  it("downloads the license by its GUID, in any spelling", async () => {
    const guid = randomUUID();
    const { id } = await t.importLegacy(guid);
    for (const spelling of [guid, guid.toUpperCase(), `{${guid}}`, guid.replaceAll("-", "")]) {
      const download = await t.call("GET", "/v1/license", { key: spelling });
      expect(download.statusCode, spelling).toBe(200);
      expect(download.json()).toMatchObject({ licenseId: id, serial: 1 });
    }
    const text = await t.call("GET", "/v1/license/file", { key: guid });
    expect(text.statusCode).toBe(200);
    expect(text.body).toContain("LICENSE FILE");
    // The LK- key works too, and an unknown GUID is not found.
    const { licenseKey } = await t.env.bus.request(issuer.revealKey, { id }, admin);
    expect((await t.call("GET", "/v1/license", { key: licenseKey })).json().licenseId).toBe(id);
    expect((await t.call("GET", "/v1/license", { key: randomUUID() })).statusCode).toBe(404);
    expect((await t.call("GET", "/v1/license", { key: `${guid}0` })).json().code).toBe("malformed_key");
  });

  it("activates, beats, binds the file, deactivates and reports usage by GUID", async () => {
    const guid = randomUUID();
    const { id } = await t.importLegacy(guid, {
      params: { availableActivations: 2, accumulatedUnits: 100, unitsPerExecution: 10 },
    });
    const activated = await t.call("POST", "/v1/machines", {
      key: guid,
      body: { fingerprint: "legacy-machine", hostname: "pc", platform: "win-x64" },
    });
    expect(activated.statusCode).toBe(201);
    const beat = await t.call("POST", "/v1/machines/heartbeat", {
      key: guid.toUpperCase(),
      body: { fingerprint: "legacy-machine" },
    });
    expect(beat.statusCode).toBe(200);
    const bound = await t.call("POST", "/v1/machines/file", {
      key: guid,
      body: { fingerprint: "legacy-machine" },
    });
    expect(bound.statusCode).toBe(200);
    const payload = machineActivationPayload.parse(
      openDocument(bound.json().file, { purpose: "machine-activation", keys }).payload,
    );
    expect(payload.fingerprint).toBe("legacy-machine");

    const report = await t.call("POST", "/v1/usage", {
      key: guid,
      body: { units: 7, idempotencyKey: "legacy-run-1" },
    });
    expect(report.json()).toMatchObject({ duplicate: false, unitsConsumed: 7, unitsRemaining: 93 });
    expect((await t.call("GET", "/v1/usage", { key: `{${guid}}` })).json()).toMatchObject({
      unitsConsumed: 7,
    });
    const status = await t.call("POST", "/v1/status", {
      key: guid,
      body: { nonce: randomBytes(16).toString("hex") },
    });
    expect(status.statusCode).toBe(200);

    const off = await t.call("POST", "/v1/machines/deactivate", {
      key: guid,
      body: { fingerprint: "legacy-machine" },
    });
    expect(off.statusCode).toBe(200);
    const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: id });
    expect(usage.balance.unitsConsumed).toBe(7);
    expect(usage.activeMachines).toBe(0);
  });

  it("holds and releases a fleet lease by GUID", async () => {
    const guid = randomUUID();
    await t.importLegacy(guid, { params: { products: ["cockpit"], seats: 1 } });
    const lease = await t.call("POST", "/v1/leases", {
      key: guid,
      body: { fingerprint: "fleet-collector-1", hostname: "c1" },
    });
    expect(lease.statusCode, lease.body).toBe(200);
    const second = await t.call("POST", "/v1/leases", {
      key: guid,
      body: { fingerprint: "fleet-collector-2", hostname: "c2" },
    });
    expect(second.json().code).toBe("seats_exhausted");
    const released = await t.call("POST", "/v1/leases/release", {
      key: guid,
      body: { fingerprint: "fleet-collector-1" },
    });
    expect(released.json()).toMatchObject({ released: true });
  });

  it("activates offline with a request made for the GUID", async () => {
    const guid = randomUUID();
    const { id } = await t.importLegacy(guid, { params: { availableActivations: 1 } });
    const { privateKey, publicKey } = ed25519.generateKeyPair();
    const request = sealDocument({
      purpose: "activation-request",
      payload: {
        keyHash: legacyKeyLookupHash(guid),
        fingerprint: "air-gapped-legacy",
        hostname: "vault",
        platform: "win-x64",
        machinePublicKey: Buffer.from(publicKey).toString("base64"),
        requestedAt: new Date().toISOString(),
        nonce: randomBytes(16).toString("hex"),
      },
      signer: createSigner(machineKeyId(publicKey), privateKey),
    });
    const answer = await t.call("POST", "/v1/offline-activations", { key: guid, body: { request } });
    expect(answer.statusCode).toBe(200);
    const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: id });
    expect(usage.machines[0]).toMatchObject({ fingerprint: "air-gapped-legacy", offline: true });
  });

  it("stops working once its migration run is rolled back, and works again once re-imported", async () => {
    const guid = randomUUID();
    const { id, runId } = await t.importLegacy(guid);
    expect((await t.call("GET", "/v1/license", { key: guid })).statusCode).toBe(200);
    await t.env.bus.request(issuer.rollbackMigration, { runId }, admin);
    await t.synced(id, 1, "revoked");
    const refused = await t.call("GET", "/v1/license", { key: guid });
    expect(refused.json().code).toBe("license_revoked");

    // The same legacy license imported again is a new license, and the GUID moves to it.
    const again = await t.importLegacy(guid);
    expect(again.id).not.toBe(id);
    const download = await t.call("GET", "/v1/license", { key: guid });
    expect(download.json()).toMatchObject({ licenseId: again.id });
    const old = await queryOne<{ legacy_key_hash: string | null }>(
      t.orm,
      "select legacy_key_hash from distribution.licenses where license_id = $1",
      [id],
    );
    expect(old!.legacy_key_hash).toBeNull();
  });

  it("follows a re-import that updates the license", async () => {
    const guid = randomUUID();
    const { id } = await t.importLegacy(guid, { legacyId: "STUDIO-UPD", params: { accumulatedUnits: 10 } });
    await t.importLegacy(guid, { legacyId: "STUDIO-UPD", params: { accumulatedUnits: 20 } });
    const balance = await t.call("GET", "/v1/usage", { key: guid });
    expect(balance.json()).toMatchObject({ accumulatedUnits: 20 });
    expect((await t.call("GET", "/v1/license", { key: guid })).json()).toMatchObject({
      licenseId: id,
      serial: 2,
    });
  });
});
