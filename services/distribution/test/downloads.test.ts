import { distribution, issuer } from "@licensing/contracts";
import { generateLicenseKey, verifyLicenseFile } from "@licensing/model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { as, type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution();
});
afterAll(() => t?.stop());

async function trusted() {
  const response = await t.call("GET", "/v1/keys");
  const { keys } = response.json() as { keys: { keyId: string; publicKey: string }[] };
  return keys.map((k) => ({ keyId: k.keyId, publicKey: new Uint8Array(Buffer.from(k.publicKey, "base64")) }));
}

describe("GET /v1/license", () => {
  it("answers the exact file issued, verifiable with the published keys, and counts downloads", async () => {
    const issued = await t.issue();
    const response = await t.call("GET", "/v1/license", { key: issued.licenseKey });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ licenseId: issued.id, serial: 1, encrypted: false, file: issued.file });
    expect(verifyLicenseFile(body.file, await trusted()).id).toBe(issued.id);
    // The key as a person types it: lower case, no dashes.
    const typed = issued.licenseKey.toLowerCase().replaceAll("-", "");
    expect((await t.call("GET", "/v1/license", { key: typed })).statusCode).toBe(200);
    const text = await t.call("GET", "/v1/license/file", { key: issued.licenseKey });
    expect(text.headers["content-type"]).toMatch(/^text\/plain/);
    expect(text.body).toBe(issued.file);
    await t.service.flushDownloads();
    const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: issued.id });
    expect(usage.timesDownloaded).toBe(3);
    expect(usage.lastDownloadedAt).not.toBeNull();
  });

  it("answers 304 to If-None-Match of the current version, and the newer file after a renewal", async () => {
    const issued = await t.issue();
    const first = await t.call("GET", "/v1/license", { key: issued.licenseKey });
    const etag = first.headers.etag as string;
    const again = await t.call("GET", "/v1/license", {
      key: issued.licenseKey,
      headers: { "if-none-match": etag },
    });
    expect(again.statusCode).toBe(304);
    await t.env.bus.request(issuer.renew, { id: issued.id, extendDays: 30 }, as);
    await t.synced(issued.id, 2);
    const renewed = await t.call("GET", "/v1/license", {
      key: issued.licenseKey,
      headers: { "if-none-match": etag },
    });
    expect(renewed.statusCode).toBe(200);
    expect(renewed.json().serial).toBe(2);
  });

  it("refuses a missing, malformed, mistyped or unknown key", async () => {
    expect((await t.call("GET", "/v1/license")).json().code).toBe("unauthorized");
    const wrongScheme = await t.call("GET", "/v1/license", { headers: { authorization: "Bearer x" } });
    expect(wrongScheme.statusCode).toBe(401);
    const malformed = await t.call("GET", "/v1/license", { key: "LK-1234" });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: "malformed_key" });
    expect(malformed.json().requestId).toMatch(/^req_/);
    const issued = await t.issue();
    // One symbol changed: the check symbol catches it before any lookup.
    const symbol = issued.licenseKey.at(-2) === "2" ? "3" : "2";
    const typo = `${issued.licenseKey.slice(0, -2)}${symbol}${issued.licenseKey.at(-1)}`;
    expect((await t.call("GET", "/v1/license", { key: typo })).json().code).toBe("malformed_key");
    const unknown = await t.call("GET", "/v1/license", { key: generateLicenseKey() });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: "not_found", message: "No license matches this key" });
  });

  it("keeps answering downloads, activations and usage while the issuer is stopped", async () => {
    const issued = await t.issue();
    await t.stopIssuer();
    try {
      const download = await t.call("GET", "/v1/license", { key: issued.licenseKey });
      expect(download.statusCode).toBe(200);
      expect(download.json().file).toBe(issued.file);
      const activation = await t.call("POST", "/v1/machines", {
        key: issued.licenseKey,
        body: { fingerprint: "fp-issuer-down-1", hostname: "h", platform: "linux-x64" },
      });
      expect(activation.statusCode).toBe(201);
      const usage = await t.call("POST", "/v1/usage", {
        key: issued.licenseKey,
        body: { units: 5, idempotencyKey: "run-issuer-down-1" },
      });
      expect(usage.statusCode).toBe(200);
      expect((await t.call("GET", "/v1/keys")).json().keys.length).toBeGreaterThan(0);
      // What needs a signature says so, rather than hanging.
      const file = await t.call("POST", "/v1/machines/file", {
        key: issued.licenseKey,
        body: { fingerprint: "fp-issuer-down-1" },
      });
      expect(file.statusCode).toBe(503);
      expect(file.json().code).toBe("service_unavailable");
    } finally {
      await t.startIssuer();
    }
  });
});

describe("suspended and revoked licenses", () => {
  it("are refused everywhere, and a reinstated license works again", async () => {
    const issued = await t.issue();
    const key = issued.licenseKey;
    await t.env.bus.request(issuer.suspend, { id: issued.id, reason: "unpaid invoice" }, as);
    await t.synced(issued.id, 1, "suspended");
    const calls = [
      () => t.call("GET", "/v1/license", { key }),
      () => t.call("GET", "/v1/license/file", { key }),
      () => t.call("POST", "/v1/machines", { key, body: { fingerprint: "fp-suspended" } }),
      () => t.call("POST", "/v1/machines/heartbeat", { key, body: { fingerprint: "fp-suspended" } }),
      () => t.call("POST", "/v1/machines/file", { key, body: { fingerprint: "fp-suspended" } }),
      () => t.call("POST", "/v1/usage", { key, body: { units: 1, idempotencyKey: "suspended-1" } }),
      () => t.call("GET", "/v1/usage", { key }),
      () => t.call("POST", "/v1/leases", { key, body: { fingerprint: "fp-suspended" } }),
      () => t.call("POST", "/v1/status", { key, body: { nonce: "0123456789abcdef0123" } }),
    ];
    for (const call of calls) {
      const response = await call();
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe("license_suspended");
    }
    await t.env.bus.request(issuer.reinstate, { id: issued.id }, as);
    await t.synced(issued.id, 1, "active");
    expect((await calls[0]!()).statusCode).toBe(200);
    await t.env.bus.request(issuer.revoke, { id: issued.id, reason: "contract ended" }, as);
    await t.synced(issued.id, 1, "revoked");
    for (const call of calls) {
      const response = await call();
      expect(response.statusCode).toBe(403);
      expect(response.json().code).toBe("license_revoked");
    }
  });
});

describe("giving a slot back", () => {
  it("deactivates a machine and releases a lease of a suspended, revoked or expired license", async () => {
    const activateBoth = async (key: string, fingerprint: string) => {
      expect((await t.call("POST", "/v1/machines", { key, body: { fingerprint } })).statusCode).toBe(201);
      expect((await t.call("POST", "/v1/leases", { key, body: { fingerprint } })).statusCode).toBe(200);
    };
    const giveBack = async (key: string, fingerprint: string) => {
      const deactivated = await t.call("POST", "/v1/machines/deactivate", { key, body: { fingerprint } });
      expect(deactivated.statusCode).toBe(200);
      expect(deactivated.json().activation).toMatchObject({ fingerprint, status: "deactivated" });
      const released = await t.call("POST", "/v1/leases/release", { key, body: { fingerprint } });
      expect(released.statusCode).toBe(200);
      expect(released.json()).toMatchObject({ released: true });
    };
    const suspended = await t.issue({ products: ["cockpit"], seats: 2 });
    await activateBoth(suspended.licenseKey, "fp-give-back-suspended");
    await t.env.bus.request(issuer.suspend, { id: suspended.id, reason: "unpaid invoice" }, as);
    await t.synced(suspended.id, 1, "suspended");
    await giveBack(suspended.licenseKey, "fp-give-back-suspended");

    const revoked = await t.issue({ products: ["cockpit"], seats: 2 });
    await activateBoth(revoked.licenseKey, "fp-give-back-revoked");
    await t.env.bus.request(issuer.revoke, { id: revoked.id, reason: "contract ended" }, as);
    await t.synced(revoked.id, 1, "revoked");
    await giveBack(revoked.licenseKey, "fp-give-back-revoked");
    // Taking a slot stays refused.
    const again = await t.call("POST", "/v1/machines", {
      key: revoked.licenseKey,
      body: { fingerprint: "fp-give-back-revoked" },
    });
    expect(again.json().code).toBe("license_revoked");

    const expiring = await t.issue({
      products: ["cockpit"],
      seats: 2,
      startDate: new Date(Date.now() - 10 * 86_400_000).toISOString(),
      endDate: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await activateBoth(expiring.licenseKey, "fp-give-back-expired");
    t.clock.advance(2 * 3_600_000);
    try {
      await giveBack(expiring.licenseKey, "fp-give-back-expired");
    } finally {
      t.clock.advance(-2 * 3_600_000);
    }
  });
});

describe("GET /v1/keys and the OpenAPI document", () => {
  it("publishes the issuer's keys in base64 by role, license keys unless asked, and documents every route", async () => {
    const { items } = await t.env.bus.request(issuer.listSigningKeys, {});
    const idsOf = (role: string) =>
      items
        .filter((k) => k.role === role)
        .map((k) => k.keyId)
        .sort();
    const keys = await trusted();
    expect(keys.map((k) => k.keyId).sort()).toEqual(idsOf("license"));
    const release = (await t.call("GET", "/v1/keys?role=release")).json() as {
      keys: { keyId: string; role: string }[];
    };
    expect(release.keys.map((k) => k.keyId).sort()).toEqual(idsOf("release"));
    expect(release.keys.every((k) => k.role === "release")).toBe(true);
    expect(idsOf("release")).toHaveLength(1);
    for (const query of ["role=signing", "role=license%00", "role=license&extra=1"]) {
      const refused = await t.call("GET", `/v1/keys?${query}`);
      expect(refused.statusCode, query).toBe(400);
      expect(refused.json(), query).toMatchObject({
        code: "validation_failed",
        requestId: expect.any(String),
      });
    }
    const openapi = (await t.call("GET", "/v1/openapi.json")).json();
    for (const path of ["/v1/license", "/v1/machines", "/v1/usage", "/v1/leases", "/v1/status", "/v1/sync"])
      expect(openapi.paths[path]).toBeDefined();
    expect((await t.call("GET", "/v1/docs")).statusCode).toBeLessThan(400);
  });
});
