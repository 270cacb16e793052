import { randomBytes } from "node:crypto";
import {
  distribution,
  fleetLeasePayload,
  machineActivationPayload,
  statusPayload,
} from "@licensing/contracts";
import { createSigner, ed25519, licenseKeyLookupHash, openDocument, sealDocument } from "@licensing/model";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { machineKeyId } from "../src/domain/offline.ts";
import { as, type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

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

describe("machine-bound file", () => {
  it("binds the license file to the activation, signed, with an expiry", async () => {
    const { licenseKey, file: licenseFile } = await t.issue();
    await t.call("POST", "/v1/machines", {
      key: licenseKey,
      body: { fingerprint: "bound-file-machine", hostname: "pc" },
    });
    const answer = await t.call("POST", "/v1/machines/file", {
      key: licenseKey,
      body: { fingerprint: "bound-file-machine" },
    });
    expect(answer.statusCode).toBe(200);
    const opened = openDocument(answer.json().file, { purpose: "machine-activation", keys });
    const payload = machineActivationPayload.parse(opened.payload);
    expect(payload).toMatchObject({
      fingerprint: "bound-file-machine",
      hostname: "pc",
      licenseFile,
      offline: false,
    });
    expect(Date.parse(payload.expiresAt)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const other = await t.call("POST", "/v1/machines/file", {
      key: licenseKey,
      body: { fingerprint: "not-activated" },
    });
    expect(other.statusCode).toBe(404);
  });
});

describe("fleet leases", () => {
  it("let at most `seats` collectors hold a lease; renew, release, expire and reclaim", async () => {
    const { licenseKey, id } = await t.issue({ products: ["cockpit"], seats: 2 });
    const lease = (fingerprint: string) =>
      t.call("POST", "/v1/leases", { key: licenseKey, body: { fingerprint, hostname: fingerprint } });
    // Undo this test's advances (restore the offset, not the instant it started: setting the clock
    // back to that instant left it behind real time, and a license issued next was not yet valid).
    const offset = t.clock.now().getTime() - Date.now();
    onTestFinished(() => t.clock.advance(Date.now() + offset - t.clock.now().getTime()));
    const a = await lease("collector-aaa");
    expect(a.statusCode).toBe(200);
    const payload = fleetLeasePayload.parse(
      openDocument(a.json().file, { purpose: "fleet-lease", keys }).payload,
    );
    expect(payload).toMatchObject({ fingerprint: "collector-aaa", seats: 2, leaseId: a.json().lease.id });
    expect((await lease("collector-bbb")).json().seatsInUse).toBe(2);
    const c = await lease("collector-ccc");
    expect(c.statusCode).toBe(409);
    expect(c.json().code).toBe("seats_exhausted");
    // Renewing is the same call: same lease, later expiry.
    t.clock.advance(10_000);
    const renewed = await lease("collector-aaa");
    expect(renewed.json().lease.id).toBe(a.json().lease.id);
    expect(Date.parse(renewed.json().lease.expiresAt)).toBeGreaterThan(Date.parse(a.json().lease.expiresAt));
    // Release frees a seat at once.
    const released = await t.call("POST", "/v1/leases/release", {
      key: licenseKey,
      body: { fingerprint: "collector-bbb" },
    });
    expect(released.json().released).toBe(true);
    expect((await lease("collector-ccc")).statusCode).toBe(200);
    expect((await lease("collector-ddd")).statusCode).toBe(409);
    // B's seat went to C, which keeps renewing; A stops renewing, its lease expires, D reclaims the seat.
    t.clock.advance(30_000);
    expect((await lease("collector-ccc")).statusCode).toBe(200);
    t.clock.advance(31_000);
    expect((await lease("collector-ddd")).statusCode).toBe(200);
    const aLate = await lease("collector-aaa");
    expect(aLate.json().code).toBe("seats_exhausted");
    const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: id });
    expect(usage.leases.map((l) => l.fingerprint).sort()).toEqual(["collector-ccc", "collector-ddd"]);
    // An operator releases one: the seat is free.
    const ddd = usage.leases.find((l) => l.fingerprint === "collector-ddd")!;
    const byOperator = await t.env.bus.request(
      distribution.releaseLease,
      { licenseId: id, leaseId: ddd.id },
      as,
    );
    expect(byOperator.releaseReason).toBe("operator");
    expect((await lease("collector-aaa")).statusCode).toBe(200);
  });

  it("refuses a license without seats, and holds the limit under concurrent collectors", async () => {
    const none = await t.issue({ seats: 0 });
    const refused = await t.call("POST", "/v1/leases", {
      key: none.licenseKey,
      body: { fingerprint: "collector-x1" },
    });
    expect(refused.json().code).toBe("seats_exhausted");
    const three = await t.issue({ products: ["cockpit"], seats: 3 });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.call("POST", "/v1/leases", {
          key: three.licenseKey,
          body: { fingerprint: `racing-collector-${i}` },
        }),
      ),
    );
    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(3);
  });
});

describe("status check", () => {
  it("answers a signed status echoing the nonce, with the server's time", async () => {
    const { licenseKey, id } = await t.issue({ accumulatedUnits: 500, unitsPerExecution: 100 });
    await t.call("POST", "/v1/machines", { key: licenseKey, body: { fingerprint: "status-machine" } });
    await t.call("POST", "/v1/usage", {
      key: licenseKey,
      body: { units: 40, idempotencyKey: "status-run-1" },
    });
    const nonce = randomBytes(16).toString("hex");
    const answer = await t.call("POST", "/v1/status", {
      key: licenseKey,
      body: { nonce, fingerprint: "status-machine" },
    });
    const status = statusPayload.parse(
      openDocument(answer.json().document, { purpose: "status", keys }).payload,
    );
    expect(status).toMatchObject({
      licenseId: id,
      nonce,
      status: "active",
      serial: 1,
      activated: true,
      unitsConsumed: 40,
      unitsRemaining: 460,
    });
    expect(Math.abs(Date.parse(status.at) - Date.now())).toBeLessThan(60_000);
    const badNonce = await t.call("POST", "/v1/status", { key: licenseKey, body: { nonce: "short" } });
    expect(badNonce.statusCode).toBe(400);
  });
});

describe("offline activation", () => {
  function activationRequest(licenseKey: string, fingerprint: string, overrides: object = {}) {
    const { privateKey, publicKey } = ed25519.generateKeyPair();
    const payload = {
      keyHash: licenseKeyLookupHash(licenseKey),
      fingerprint,
      hostname: "air-gapped",
      platform: "linux-x64",
      machinePublicKey: Buffer.from(publicKey).toString("base64"),
      requestedAt: new Date().toISOString(),
      nonce: randomBytes(16).toString("hex"),
      ...overrides,
    };
    return sealDocument({
      purpose: "activation-request",
      payload,
      signer: createSigner(machineKeyId(publicKey), privateKey),
    });
  }

  it("turns a machine's signed request into a machine-bound file, counted as an activation", async () => {
    const { licenseKey, id, file } = await t.issue({ availableActivations: 1 });
    const request = activationRequest(licenseKey, "offline-machine-1");
    const answer = await t.call("POST", "/v1/offline-activations", { key: licenseKey, body: { request } });
    expect(answer.statusCode).toBe(200);
    const bound = machineActivationPayload.parse(
      openDocument(answer.json().file, { purpose: "machine-activation", keys }).payload,
    );
    expect(bound).toMatchObject({ fingerprint: "offline-machine-1", offline: true, licenseFile: file });
    expect(Date.parse(bound.expiresAt)).toBeGreaterThan(Date.now() + 300 * 86_400_000);
    const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: id });
    expect(usage.machines[0]).toMatchObject({
      fingerprint: "offline-machine-1",
      offline: true,
      releaseAfter: null,
    });
    // The slot is taken: another machine is refused.
    const second = await t.call("POST", "/v1/offline-activations", {
      key: licenseKey,
      body: { request: activationRequest(licenseKey, "offline-machine-2") },
    });
    expect(second.json().code).toBe("activation_limit_reached");
  });

  it("refuses a tampered request, one for another key, and garbage", async () => {
    const { licenseKey } = await t.issue();
    const other = await t.issue();
    const forOther = activationRequest(other.licenseKey, "offline-machine-3");
    const wrongKey = await t.call("POST", "/v1/offline-activations", {
      key: licenseKey,
      body: { request: forOther },
    });
    expect(wrongKey.statusCode).toBe(400);
    const request = activationRequest(licenseKey, "offline-machine-4");
    const lines = request.split("\n");
    const tampered = lines.map((line, i) =>
      i === 2 ? line.slice(0, 10) + (line[10] === "A" ? "B" : "A") + line.slice(11) : line,
    );
    const answer = await t.call("POST", "/v1/offline-activations", {
      key: licenseKey,
      body: { request: tampered.join("\n") },
    });
    expect(answer.statusCode).toBe(400);
    const garbage = await t.call("POST", "/v1/offline-activations", {
      key: licenseKey,
      body: { request: "hello" },
    });
    expect(garbage.json().code).toBe("validation_failed");
  });
});
