import { delegation } from "@licensing/contracts";
import { type Delegation, openDelegation } from "@licensing/model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { licenseKeySet } from "../src/domain/documents.ts";
import { Cockpit } from "./cockpit.ts";
import { as, type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution();
});
afterAll(() => t?.stop());

const renew = (key: string, request: string) => t.call("POST", "/v1/delegations", { key, body: { request } });

async function opened(certificate: string): Promise<Delegation> {
  const { keys } = (await t.call("GET", "/v1/keys")).json();
  return openDelegation(certificate, { keys: licenseKeySet(keys), now: t.clock.now() });
}

describe("POST /v1/delegations", () => {
  it("certifies the cockpit's key within the license's limits, a new serial at each renewal", async () => {
    const license = await t.issue({ seats: 5, accumulatedUnits: 10_000, unitsPerExecution: -1 });
    const cockpit = new Cockpit();
    const first = await renew(license.licenseKey, cockpit.request(license.id));
    expect(first.statusCode, first.body).toBe(200);
    const certificate = await opened(first.json().certificate);
    expect(certificate).toMatchObject({
      licenseId: license.id,
      accountId: license.accountId,
      authorityKey: cockpit.publicKey,
      seats: 5,
      units: 10_000,
      products: ["collector"],
      executionModes: ["scanning"],
      maxLeaseSeconds: 7 * 86_400,
      serial: 1,
      revoked: [],
    });
    expect(Date.parse(certificate.expiresAt) - Date.parse(certificate.issuedAt)).toBe(30 * 86_400_000);
    const second = await renew(license.licenseKey, cockpit.request(license.id));
    expect(second.json()).toMatchObject({ serial: 2 });
    const status = await t.env.bus.request(delegation.status, { licenseId: license.id });
    expect(status.certificates.map((c) => c.serial)).toEqual([1, 2]);
    expect(status.certificates[0]!.authorityKeyId).toBe(cockpit.keyId);
  });

  it("maps unlimited seats and units, and never outlives the license", async () => {
    const endDate = new Date(Date.now() + 10 * 86_400_000).toISOString();
    const license = await t.issue({ seats: -1, accumulatedUnits: -1, unitsPerExecution: -1, endDate });
    const answer = await renew(license.licenseKey, new Cockpit().request(license.id));
    const certificate = await opened(answer.json().certificate);
    expect(certificate).toMatchObject({ seats: 1_000_000, units: Number.MAX_SAFE_INTEGER });
    expect(Date.parse(certificate.expiresAt)).toBeLessThanOrEqual(Date.parse(endDate));
  });

  it("refuses a license without seats, another license's request, a forged proof and a reused nonce", async () => {
    const cockpit = new Cockpit();
    const none = await t.issue({ seats: 0 });
    const refused = await renew(none.licenseKey, cockpit.request(none.id));
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: "forbidden" });
    const license = await t.issue({ seats: 2 });
    const other = await renew(license.licenseKey, cockpit.request(none.id));
    expect(other.statusCode).toBe(400);
    expect(other.json().details.issues[0].path).toBe("request.licenseId");
    // Signed by one key, claiming another: the request proves nothing.
    const forged = cockpit.request(license.id, { authorityKey: new Cockpit().publicKey });
    const badProof = await renew(license.licenseKey, forged);
    expect(badProof.statusCode).toBe(400);
    expect(badProof.json().details.issues[0].path).toBe("request");
    const request = cockpit.request(license.id);
    expect((await renew(license.licenseKey, request)).statusCode).toBe(200);
    const again = await renew(license.licenseKey, request);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: "conflict" });
  });

  it("answers bad input 400 naming the field", async () => {
    const license = await t.issue({ seats: 2 });
    const cases: [unknown, string][] = [
      [{ request: "a\u0000b" }, "request"],
      [{ request: "x", extra: 1 }, ""],
      [{ request: "x".repeat(16_385) }, "request"],
      [{}, "request"],
    ];
    for (const [body, path] of cases) {
      const answer = await t.call("POST", "/v1/delegations", { key: license.licenseKey, body });
      expect(answer.statusCode, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(answer.json()).toMatchObject({ code: "validation_failed", requestId: expect.any(String) });
      expect(JSON.stringify(answer.json().details.issues)).toContain(`"path":"${path}`);
    }
    const badPayload = new Cockpit().request(license.id, { nonce: "short" });
    const answer = await renew(license.licenseKey, badPayload);
    expect(answer.json().details.issues[0].path).toBe("request.nonce");
  });
});

describe("distribution.delegation.answerOfflineRequest and revoke", () => {
  it("answers an air-gapped request once, even a week old", async () => {
    const license = await t.issue({ seats: 3 });
    const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const request = new Cockpit().request(license.id, { requestedAt: weekAgo });
    // Online, a week-old request is stale.
    expect((await renew(license.licenseKey, request)).json().details.issues[0].path).toBe(
      "request.requestedAt",
    );
    // Answered from another license's page: refused, naming the request's license.
    const other = await t.issue({ seats: 3 });
    await expect(
      t.env.bus.request(delegation.answerOfflineRequest, { request, licenseId: other.id }, as),
    ).rejects.toMatchObject({ code: "validation_failed" });
    const answer = await t.env.bus.request(
      delegation.answerOfflineRequest,
      { request, licenseId: license.id },
      as,
    );
    expect(answer.serial).toBe(1);
    await expect(
      t.env.bus.request(delegation.answerOfflineRequest, { request, licenseId: license.id }, as),
    ).rejects.toMatchObject({ code: "conflict" });
    await expect(
      t.env.bus.request(delegation.answerOfflineRequest, {
        request: new Cockpit().request(license.id),
        licenseId: license.id,
      }),
    ).rejects.toMatchObject({ code: "unauthorized" });
  });

  it("never renews a revoked delegation, and lists its key in the account's other certificates", async () => {
    const revokedLicense = await t.issue({ seats: 3 });
    const cockpit = new Cockpit();
    expect((await renew(revokedLicense.licenseKey, cockpit.request(revokedLicense.id))).statusCode).toBe(200);
    const status = await t.env.bus.request(
      delegation.revoke,
      { licenseId: revokedLicense.id, reason: "cockpit stolen" },
      as,
    );
    expect(status.certificates.every((c) => c.revokedAt !== null)).toBe(true);
    const refused = await renew(revokedLicense.licenseKey, cockpit.request(revokedLicense.id));
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe("forbidden");
    const withNewKey = await renew(revokedLicense.licenseKey, new Cockpit().request(revokedLicense.id));
    expect(withNewKey.statusCode).toBe(403);
    const sibling = await t.issue({ seats: 3 });
    const answer = await renew(sibling.licenseKey, new Cockpit().request(sibling.id));
    expect((await opened(answer.json().certificate)).revoked).toContain(cockpit.keyId);
    await expect(
      t.env.bus.request(delegation.revoke, { licenseId: sibling.id, reason: "no actor" }),
    ).rejects.toMatchObject({ code: "unauthorized" });
  });
});
