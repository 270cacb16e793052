import { type Actor, accountAnswerLeaseMs, catalog, issuer } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actors, as, collectorProduct, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

let under: IssuerUnderTest;
let accountId: string;
beforeAll(async () => {
  under = await startIssuer();
  await under.product("collector", collectorProduct);
  accountId = (await under.account()).id;
});
afterAll(() => under?.stop());

const create = (request: Record<string, unknown>, actor: Actor = actors.licenseAdmin) =>
  under.env.bus.request(
    issuer.createLicense,
    { accountId, products: ["collector"], ...request } as never,
    as(actor),
  );

describe("creating a license: errors", () => {
  it("refuses an account the catalog does not know, and an archived one", async () => {
    await expect(create({ accountId: "acc_01ZZZZZZZZZZZZZZZZZZZZZZZZ" })).rejects.toMatchObject({
      code: "not_found",
    });
    const archived = await under.account({ name: "Gone Ltd" });
    await under.env.bus.request(catalog.archiveAccount, { id: archived.id });
    await expect(create({ accountId: archived.id })).rejects.toMatchObject({
      code: "account_archived",
      message: expect.stringContaining("Gone Ltd"),
    });
  });

  it("stops licensing an account from the request after it is archived, on every replica", async () => {
    const replica = await under.addReplica();
    try {
      const account = await under.account({ name: "Soon Gone" });
      // Both replicas have just licensed the account (any answer they keep is fresh)...
      for (let i = 0; i < 4; i++) await create({ accountId: account.id, count: 2 });
      await under.env.bus.request(catalog.archiveAccount, { id: account.id });
      // ...and the next requests, whichever replica takes them, are refused at once.
      for (let i = 0; i < 4; i++)
        await expect(create({ accountId: account.id })).rejects.toMatchObject({ code: "account_archived" });
      await under.env.bus.request(catalog.restoreAccount, { id: account.id });
      await expect(create({ accountId: account.id })).resolves.toBeDefined();
    } finally {
      await replica.stop();
    }
  });

  it("licenses a renamed account under its new name from the request after the rename", async () => {
    const account = await under.account({ name: "Old Name Ltd" });
    // The issuer has just been told the account is licensable, under its old name...
    for (let i = 0; i < 3; i++) await create({ accountId: account.id });
    const asked = performance.now();
    await under.env.bus.request(catalog.updateAccount, { id: account.id, name: "New Name Ltd" });
    // ...and the catalog answers the rename only once that answer has run out.
    expect(performance.now() - asked).toBeGreaterThanOrEqual(accountAnswerLeaseMs);
    const [license] = (await create({ accountId: account.id })).licenses;
    expect(license?.license.accountName).toBe("New Name Ltd");
  });

  it("names a product the catalog does not have", async () => {
    await expect(create({ products: ["collector", "teleporter"] })).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "products.1", message: expect.stringContaining("teleporter") }] },
    });
  });

  it("names every mode, feature or units type the products do not offer", async () => {
    await expect(
      create({ executionModes: ["scanning", "teleport"], customFeatures: ["cobol"], unitsType: "bytes" }),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: {
        issues: [{ path: "executionModes.1" }, { path: "customFeatures.0" }, { path: "unitsType" }],
      },
    });
  });

  it("refuses a notice window longer than the license, naming notifyDays; shortens the product's default", async () => {
    await expect(create({ kind: "test", durationDays: 14, notifyDays: 30 })).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "notifyDays", message: expect.stringContaining("14 days") }] },
    });
    await expect(
      create({ startDate: "2030-01-01T00:00:00Z", endDate: "2030-01-11T00:00:00Z", notifyDays: 11 }),
    ).rejects.toMatchObject({ code: "validation_failed", details: { issues: [{ path: "notifyDays" }] } });
    // A window as long as the license is allowed; the product's 30 days, for a 7-day license, become 7.
    const [fits] = (await create({ durationDays: 14, notifyDays: 14 })).licenses;
    expect(fits?.license.notifyDays).toBe(14);
    const [short] = (await create({ durationDays: 7 })).licenses;
    expect(short?.license.notifyDays).toBe(7);
  });

  it("reports the model's rules against the request's fields", async () => {
    const error = await create({
      startDate: "2030-01-01T00:00:00Z",
      endDate: "2029-01-01T00:00:00Z",
      accumulatedUnits: 10,
      unitsPerExecution: 20,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "validation_failed" });
    const paths = (error as { details: { issues: { path: string }[] } }).details.issues
      .map((i) => i.path)
      .sort();
    expect(paths).toEqual(["endDate", "unitsPerExecution"]);
    await expect(create({ endDate: "2031-01-01T00:00:00Z", durationDays: 10 })).rejects.toMatchObject({
      details: { issues: [{ path: "durationDays" }] },
    });
    await expect(create({ count: 0 })).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "count" }] },
    });
  });

  it("names the start when the end it implies is past the last date a license can carry", async () => {
    const error = await create({ startDate: "9999-12-31T00:00:00Z" }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "startDate", message: expect.stringMatching(/is too late.*9999-12-31/) }] },
    });
    expect((error as { details: { issues: unknown[] } }).details.issues).toHaveLength(1);
    // An open end from that start is fine, and so is the latest start that still fits the duration.
    await expect(create({ startDate: "9999-12-31T00:00:00Z", endDate: null })).resolves.toBeDefined();
    await expect(create({ startDate: "9999-12-30T00:00:00Z", durationDays: 1 })).resolves.toBeDefined();
    const { licenses } = await create({ startDate: "9999-01-01T00:00:00Z", endDate: "9999-12-01T00:00:00Z" });
    await expect(
      under.env.bus.request(
        issuer.renew,
        { id: licenses[0]!.license.id, extendDays: 60 },
        as(actors.licenseAdmin),
      ),
    ).rejects.toMatchObject({ code: "validation_failed", details: { issues: [{ path: "extendDays" }] } });
  });

  it("lets each role create only the licenses it may", async () => {
    await expect(create({ kind: "commercial" }, actors.sales)).resolves.toBeDefined();
    await expect(create({ kind: "test" }, actors.support)).resolves.toBeDefined();
    await expect(create({ kind: "commercial" }, actors.support)).rejects.toMatchObject({ code: "forbidden" });
    await expect(create({ internal: true }, actors.sales)).rejects.toMatchObject({
      code: "forbidden",
      message: expect.stringContaining("internal"),
    });
    await expect(create({ kind: "test" }, actors.viewer)).rejects.toMatchObject({ code: "forbidden" });
    await expect(create({ internal: true }, actors.licenseAdmin)).resolves.toBeDefined();
  });

  it("refuses a request without an acting user", async () => {
    await expect(
      under.env.bus.request(
        issuer.createLicense,
        { accountId, products: ["collector"] },
        { ctx: { requestId: "req_anonymous" } },
      ),
    ).rejects.toMatchObject({ code: "unauthorized" });
  });

  it("answers not_found for unknown licenses, versions and presets", async () => {
    const missing = "lic_01ZZZZZZZZZZZZZZZZZZZZZZZZ";
    for (const endpoint of [issuer.getLicense, issuer.listVersions, issuer.auditTrail, issuer.getFile]) {
      await expect(under.env.bus.request(endpoint, { id: missing }, as(actors.admin))).rejects.toMatchObject({
        code: "not_found",
      });
    }
    const { licenses } = await create({});
    await expect(
      under.env.bus.request(issuer.getFile, { id: licenses[0]!.license.id, serial: 9 }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(
      under.env.bus.request(
        issuer.quickGenerate,
        { presetId: "pre_01ZZZZZZZZZZZZZZZZZZZZZZZZ", accountId },
        as(actors.admin),
      ),
    ).rejects.toMatchObject({ code: "not_found" });
  });
});
