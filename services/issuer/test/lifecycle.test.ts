import { issuer, issuerEvents, type LicenseEvent } from "@licensing/contracts";
import { verifyLicenseFile } from "@licensing/model";
import { EventConsumer } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actors, as, collectorProduct, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

let under: IssuerUnderTest;
let consumer: EventConsumer;
const events: { name: string; payload: LicenseEvent; requestId: string | undefined }[] = [];

beforeAll(async () => {
  under = await startIssuer();
  await under.product("collector", collectorProduct);
  consumer = new EventConsumer({
    nc: under.env.nc,
    orm: under.orm,
    prefix: under.env.prefix,
    name: "lifecycle-test",
    log: under.env.log,
  });
  for (const type of [
    issuerEvents.licenseIssued,
    issuerEvents.licenseRenewed,
    issuerEvents.licenseReissued,
    issuerEvents.licenseSuspended,
    issuerEvents.licenseReinstated,
    issuerEvents.licenseRevoked,
  ]) {
    consumer.on(type, async (payload, ctx) => {
      events.push({ name: type.name, payload: type.payload.parse(payload), requestId: ctx.requestId });
    });
  }
  await consumer.start();
});
afterAll(async () => {
  await consumer?.stop();
  await under?.stop();
});

async function newLicense(parameters: Record<string, unknown> = {}) {
  const account = await under.account();
  const { licenses } = await under.env.bus.request(
    issuer.createLicense,
    { accountId: account.id, products: ["collector"], ...parameters } as never,
    as(actors.licenseAdmin, "req_create"),
  );
  return licenses[0]!;
}

async function keys() {
  const { items } = await under.env.bus.request(issuer.listSigningKeys, {});
  return items.map((k) => ({
    keyId: k.keyId,
    publicKey: new Uint8Array(Buffer.from(k.publicKey, "base64url")),
  }));
}

async function eventsFor(id: string, count: number) {
  const deadline = Date.now() + 5_000;
  while (events.filter((e) => e.payload.licenseId === id).length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} events for ${id}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return events.filter((e) => e.payload.licenseId === id);
}

describe("license lifecycle", () => {
  it("renews to a new end date as a new signed version, keeping every version's exact bytes", async () => {
    const { license, file } = await newLicense({
      endDate: "2031-01-01T00:00:00Z",
      startDate: "2030-01-01T00:00:00Z",
    });
    const renewed = await under.env.bus.request(
      issuer.renew,
      { id: license.id, endDate: "2032-01-01T00:00:00Z", reason: "contract extended" },
      as(actors.sales, "req_renew"),
    );
    expect(renewed).toMatchObject({ serial: 2, endDate: "2032-01-01T00:00:00.000Z", status: "active" });
    expect(Date.parse(renewed.signedAt)).toBeGreaterThan(Date.parse(license.signedAt) - 1);
    const versions = (await under.env.bus.request(issuer.listVersions, { id: license.id })).items;
    expect(versions.map((v) => [v.serial, v.reason, v.endDate])).toEqual([
      [2, "renewed", "2032-01-01T00:00:00.000Z"],
      [1, "issued", "2031-01-01T00:00:00.000Z"],
    ]);
    expect((await under.env.bus.request(issuer.getFile, { id: license.id, serial: 1 })).file).toBe(file);
    const current = await under.env.bus.request(issuer.getFile, { id: license.id });
    expect(verifyLicenseFile(current.file, await keys())).toMatchObject({
      serial: 2,
      endDate: "2032-01-01T00:00:00.000Z",
      dateIssued: license.dateIssued,
    });
  });

  it("extends by days from the end, or from today once expired", async () => {
    const { license } = await newLicense({
      startDate: "2020-01-01T00:00:00Z",
      endDate: "2021-01-01T00:00:00Z",
    });
    expect(license.status).toBe("expired");
    const renewed = await under.env.bus.request(
      issuer.renew,
      { id: license.id, extendDays: 10 },
      as(actors.sales),
    );
    const expected = Date.now() + 10 * 86_400_000;
    expect(Math.abs(Date.parse(renewed.endDate!) - expected)).toBeLessThan(60_000);
    expect(renewed.status).toBe("expiring");
    await expect(
      under.env.bus.request(issuer.renew, { id: license.id }, as(actors.sales)),
    ).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("re-issues the same license as a new version", async () => {
    const { license } = await newLicense();
    const reissued = await under.env.bus.request(
      issuer.reissue,
      { id: license.id, reason: "customer lost the file" },
      as(actors.licenseAdmin),
    );
    expect(reissued).toMatchObject({ serial: 2, endDate: license.endDate });
    expect((await under.env.bus.request(issuer.listVersions, { id: license.id })).items[0]).toMatchObject({
      reason: "reissued",
      serial: 2,
    });
  });

  it("changes the notice window as a new signed version, once per idempotency key, audited", async () => {
    const { license } = await newLicense({ durationDays: 365, notifyDays: 30 });
    const request = { id: license.id, notifyDays: 60, idempotencyKey: "bulk-1 notice" };
    const changed = await under.env.bus.request(issuer.setNotice, request, as(actors.sales, "req_notice"));
    expect(changed).toMatchObject({ serial: 2, notifyDays: 60, endDate: license.endDate });
    // A retry with the same key answers the first result and signs nothing more.
    expect(await under.env.bus.request(issuer.setNotice, request, as(actors.sales))).toMatchObject({
      serial: 2,
    });
    const [latest] = (await under.env.bus.request(issuer.listVersions, { id: license.id })).items;
    expect(latest).toMatchObject({ reason: "reissued", serial: 2 });
    const file = await under.env.bus.request(issuer.getFile, { id: license.id });
    expect(verifyLicenseFile(file.file, await keys()).notifyDays).toBe(60);
    const trail = (await under.env.bus.request(issuer.auditTrail, { id: license.id })).items;
    expect(trail.find((e) => e.action === "license.notice-changed")).toMatchObject({
      requestId: "req_notice",
      changes: { notifyDays: [30, 60], serial: [1, 2] },
    });
    await expect(
      under.env.bus.request(issuer.setNotice, { id: license.id, notifyDays: 400 }, as(actors.sales)),
    ).rejects.toMatchObject({ code: "validation_failed" });
    await under.env.bus.request(issuer.revoke, { id: license.id, reason: "fraud" }, as(actors.licenseAdmin));
    await expect(
      under.env.bus.request(issuer.setNotice, { id: license.id, notifyDays: 10 }, as(actors.sales)),
    ).rejects.toMatchObject({ code: "invalid_state", message: expect.stringContaining("revoked") });
  });

  it("suspends, reinstates and revokes, refusing moves the state does not allow", async () => {
    const { license } = await newLicense();
    const id = license.id;
    await expect(
      under.env.bus.request(issuer.reinstate, { id }, as(actors.licenseAdmin)),
    ).rejects.toMatchObject({ code: "invalid_state" });
    await expect(
      under.env.bus.request(issuer.suspend, { id, reason: "" }, as(actors.licenseAdmin)),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "reason" }] },
    });
    expect(
      await under.env.bus.request(
        issuer.suspend,
        { id, reason: "unpaid invoice" },
        as(actors.licenseAdmin, "req_suspend"),
      ),
    ).toMatchObject({
      state: "suspended",
      status: "suspended",
      stateReason: "unpaid invoice",
    });
    await expect(
      under.env.bus.request(issuer.suspend, { id, reason: "again" }, as(actors.licenseAdmin)),
    ).rejects.toMatchObject({ code: "invalid_state" });
    expect(
      await under.env.bus.request(issuer.reinstate, { id }, as(actors.licenseAdmin, "req_reinstate")),
    ).toMatchObject({ status: "active" });
    expect(
      await under.env.bus.request(
        issuer.revoke,
        { id, reason: "contract ended" },
        as(actors.licenseAdmin, "req_revoke"),
      ),
    ).toMatchObject({
      status: "revoked",
      stateReason: "contract ended",
    });
    await expect(
      under.env.bus.request(issuer.renew, { id, extendDays: 5 }, as(actors.licenseAdmin)),
    ).rejects.toMatchObject({ code: "invalid_state" });
    await expect(
      under.env.bus.request(issuer.reissue, { id }, as(actors.licenseAdmin)),
    ).rejects.toMatchObject({ code: "invalid_state" });
    await expect(
      under.env.bus.request(issuer.reinstate, { id }, as(actors.licenseAdmin)),
    ).rejects.toMatchObject({ code: "invalid_state" });
  });

  it("keeps an audit trail of every action: who, when, under which request, what changed", async () => {
    const { license } = await newLicense();
    await under.env.bus.request(
      issuer.renew,
      { id: license.id, endDate: "2040-01-01T00:00:00Z" },
      as(actors.sales, "req_audit_renew"),
    );
    await under.env.bus.request(
      issuer.revoke,
      { id: license.id, reason: "fraud" },
      as(actors.licenseAdmin, "req_audit_revoke"),
    );
    await under.env.bus.request(issuer.revealKey, { id: license.id }, as(actors.support, "req_audit_reveal"));
    const trail = (await under.env.bus.request(issuer.auditTrail, { id: license.id })).items;
    expect(trail.map((e) => [e.action, e.actorName, e.requestId])).toEqual([
      ["license.key-revealed", "sue", "req_audit_reveal"],
      ["license.revoked", "lea", "req_audit_revoke"],
      ["license.renewed", "sam", "req_audit_renew"],
      ["license.issued", "lea", "req_create"],
    ]);
    expect(trail[1]).toMatchObject({
      reason: "fraud",
      changes: { state: ["active", "revoked"], stateReason: [null, "fraud"] },
    });
    expect(trail[2]!.changes).toMatchObject({
      endDate: [license.endDate, "2040-01-01T00:00:00.000Z"],
      serial: [1, 2],
    });
  });

  it("publishes an event for each change, carrying the signed file", async () => {
    const { license, file } = await newLicense();
    await under.env.bus.request(issuer.renew, { id: license.id, extendDays: 1 }, as(actors.sales, "req_e1"));
    await under.env.bus.request(
      issuer.suspend,
      { id: license.id, reason: "check" },
      as(actors.licenseAdmin, "req_e2"),
    );
    await under.env.bus.request(issuer.reinstate, { id: license.id }, as(actors.licenseAdmin, "req_e3"));
    await under.env.bus.request(
      issuer.revoke,
      { id: license.id, reason: "end" },
      as(actors.licenseAdmin, "req_e4"),
    );
    const mine = await eventsFor(license.id, 5);
    expect(mine.map((e) => [e.name, e.payload.state, e.payload.serial, e.requestId])).toEqual([
      ["license.issued", "active", 1, "req_create"],
      ["license.renewed", "active", 2, "req_e1"],
      ["license.suspended", "suspended", 2, "req_e2"],
      ["license.reinstated", "active", 2, "req_e3"],
      ["license.revoked", "revoked", 2, "req_e4"],
    ]);
    expect(mine[0]!.payload.file).toBe(file);
    expect(verifyLicenseFile(mine[4]!.payload.file, await keys()).serial).toBe(2);
    expect(mine[0]!.payload.keyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("applies a renew and a revoke sent at once one after the other, never half of each", async () => {
    for (let round = 0; round < 5; round++) {
      const { license } = await newLicense();
      const [renew, revoke] = await Promise.allSettled([
        under.env.bus.request(issuer.renew, { id: license.id, extendDays: 100 }, as(actors.licenseAdmin)),
        under.env.bus.request(issuer.revoke, { id: license.id, reason: "race" }, as(actors.licenseAdmin)),
      ]);
      expect(revoke.status).toBe("fulfilled");
      const final = await under.env.bus.request(issuer.getLicense, { id: license.id });
      expect(final.state).toBe("revoked");
      const versions = (await under.env.bus.request(issuer.listVersions, { id: license.id })).items;
      if (renew.status === "fulfilled") expect(versions).toHaveLength(2);
      else {
        expect(renew.reason).toMatchObject({ code: "invalid_state" });
        expect(versions).toHaveLength(1);
      }
      expect(final.serial).toBe(versions.length);
    }
  });
});
