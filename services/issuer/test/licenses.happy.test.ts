import { issuer } from "@licensing/contracts";
import { parseLicenseKey, verifyLicenseFile } from "@licensing/model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actors, as, collectorProduct, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

let under: IssuerUnderTest;
beforeAll(async () => {
  under = await startIssuer();
  await under.product("collector", collectorProduct);
  await under.product("cockpit", { defaults: { durationDays: 30, seats: 10 } });
});
afterAll(() => under?.stop());

async function publicKeys() {
  const { items } = await under.env.bus.request(issuer.listSigningKeys, {});
  return items.map((key) => ({
    keyId: key.keyId,
    publicKey: new Uint8Array(Buffer.from(key.publicKey, "base64url")),
  }));
}

describe("creating a license", () => {
  it("creates a signed license with the product's defaults, recording who and when", async () => {
    const account = await under.account({ name: "Northwind" });
    const before = Date.now();
    const { licenses, batchId } = await under.env.bus.request(
      issuer.createLicense,
      { accountId: account.id, products: ["collector"] },
      as(actors.sales),
    );
    expect(batchId).toBeNull();
    const [issued] = licenses;
    expect(parseLicenseKey(issued!.licenseKey)).toBe(issued!.licenseKey);
    expect(issued!.license).toMatchObject({
      accountId: account.id,
      accountName: "Northwind",
      kind: "commercial",
      internal: false,
      status: "active",
      state: "active",
      products: ["collector"],
      unitsType: "lines",
      accumulatedUnits: 1_000_000,
      unitsPerExecution: 100_000,
      availableActivations: 3,
      executionModes: ["scanning"],
      customFeatures: ["csharp"],
      notifyDays: 30,
      serial: 1,
      createdBy: actors.sales.id,
      createdByName: "sam",
      ownerCompany: "Northwind",
      ownerEmail: "pat@example.test",
      keyHint: issued!.licenseKey.slice(-5),
    });
    const created = Date.parse(issued!.license.createdAt);
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(issued!.license.endDate!) - Date.parse(issued!.license.startDate)).toBe(
      365 * 86_400_000,
    );

    const license = verifyLicenseFile(issued!.file, await publicKeys());
    expect(license).toMatchObject({
      id: issued!.license.id,
      accountId: account.id,
      serial: 1,
      products: ["collector"],
      productFriendlyNames: ["Collector"],
    });
    expect(await under.env.bus.request(issuer.getLicense, { id: issued!.license.id })).toEqual(
      issued!.license,
    );
    expect((await under.env.bus.request(issuer.getFile, { id: issued!.license.id })).file).toBe(issued!.file);
  });

  it("gives a test license the product's test duration and notice, not a commercial year", async () => {
    await under.product("trialware", { testDefaults: { durationDays: 14, notifyDays: 3 } });
    const account = await under.account();
    const request = { accountId: account.id, products: ["trialware"] };
    const [test] = (
      await under.env.bus.request(issuer.createLicense, { ...request, kind: "test" }, as(actors.sales))
    ).licenses;
    expect(test!.license).toMatchObject({ kind: "test", notifyDays: 3 });
    expect(Date.parse(test!.license.endDate!) - Date.parse(test!.license.startDate)).toBe(14 * 86_400_000);
    // A commercial license of the same product keeps the product's license defaults.
    const [commercial] = (await under.env.bus.request(issuer.createLicense, request, as(actors.sales)))
      .licenses;
    expect(commercial!.license).toMatchObject({ kind: "commercial", notifyDays: 30 });
    expect(Date.parse(commercial!.license.endDate!) - Date.parse(commercial!.license.startDate)).toBe(
      365 * 86_400_000,
    );
  });

  it("takes every parameter of the model from the request", async () => {
    const account = await under.account();
    const { licenses } = await under.env.bus.request(
      issuer.createLicense,
      {
        accountId: account.id,
        products: ["collector", "cockpit"],
        kind: "test",
        internal: true,
        licenseType: "evaluation",
        unitsType: "lines",
        accumulatedUnits: 5_000,
        unitsPerExecution: 500,
        startDate: "2030-01-01T00:00:00Z",
        endDate: "2030-02-01T00:00:00Z",
        availableActivations: -1,
        fingerprint: "fp-42",
        executionModes: ["migration"],
        customFeatures: ["asp", "csharp"],
        notifyDays: 7,
        seats: 25,
        metadata: { "sales-order": "SO-1" },
        friendlyRestrictions: [{ key: "Region", value: "EU" }],
        encrypted: true,
      },
      as(actors.licenseAdmin),
    );
    const [issued] = licenses;
    expect(issued!.license).toMatchObject({
      kind: "test",
      internal: true,
      licenseType: "evaluation",
      products: ["collector", "cockpit"],
      productFriendlyNames: ["Collector", "Cockpit"],
      startDate: "2030-01-01T00:00:00.000Z",
      endDate: "2030-02-01T00:00:00.000Z",
      availableActivations: -1,
      fingerprint: "fp-42",
      seats: 25,
      notifyDays: 7,
      metadata: { "sales-order": "SO-1" },
      encrypted: true,
    });
    await expect(async () => verifyLicenseFile(issued!.file, await publicKeys())).rejects.toMatchObject({
      code: "key_required",
    });
    const license = verifyLicenseFile(issued!.file, await publicKeys(), { licenseKey: issued!.licenseKey });
    expect(license).toMatchObject({
      fingerprint: "fp-42",
      allowedCustomFeatures: ["asp", "csharp"],
      executionModes: ["migration"],
    });
  });

  it("creates a batch of identical licenses, each with its own key", async () => {
    const account = await under.account();
    const { licenses, batchId } = await under.env.bus.request(
      issuer.createLicense,
      { accountId: account.id, products: ["cockpit"], count: 5 },
      as(actors.sales),
    );
    expect(batchId).toMatch(/^bat_/);
    expect(licenses).toHaveLength(5);
    expect(new Set(licenses.map((l) => l.licenseKey)).size).toBe(5);
    expect(licenses.every((l) => l.license.batchId === batchId && l.license.seats === 10)).toBe(true);
  });

  it("signs where the license was asked for into the file, and keeps it across versions", async () => {
    const account = await under.account();
    const origin = { ownerIpAddress: "192.0.2.10", createdAtComputer: "SALES-PC-07" };
    const { licenses } = await under.env.bus.request(
      issuer.createLicense,
      { accountId: account.id, products: ["collector"], count: 2, ...origin },
      as(actors.sales),
    );
    for (const l of licenses) {
      expect(l.license).toMatchObject(origin);
      expect(verifyLicenseFile(l.file, await publicKeys())).toMatchObject(origin);
    }
    const renewed = await under.env.bus.request(
      issuer.renew,
      { id: licenses[0]!.license.id, extendDays: 30 },
      as(actors.licenseAdmin),
    );
    expect(renewed).toMatchObject({ serial: 2, ...origin });
    const file = await under.env.bus.request(issuer.getFile, { id: renewed.id });
    expect(verifyLicenseFile(file.file, await publicKeys())).toMatchObject({ serial: 2, ...origin });
    // Left out, both stay null; a retry from elsewhere with the same key is the same request.
    const plain = await under.env.bus.request(
      issuer.createLicense,
      { accountId: account.id, products: ["collector"], idempotencyKey: "origin-retry-1", ...origin },
      as(actors.sales),
    );
    const retried = await under.env.bus.request(
      issuer.createLicense,
      { accountId: account.id, products: ["collector"], idempotencyKey: "origin-retry-1" },
      as(actors.sales),
    );
    expect(retried.licenses[0]!.license.id).toBe(plain.licenses[0]!.license.id);
    const none = await under.env.bus.request(
      issuer.createLicense,
      { accountId: account.id, products: ["collector"] },
      as(actors.sales),
    );
    expect(none.licenses[0]!.license).toMatchObject({ ownerIpAddress: null, createdAtComputer: null });
  });

  it("accepts a finite balance with no per-execution cap (the default -1)", async () => {
    const account = await under.account();
    const { licenses } = await under.env.bus.request(
      issuer.createLicense,
      { accountId: account.id, products: ["cockpit"], accumulatedUnits: 500 },
      as(actors.sales),
    );
    expect(licenses[0]!.license).toMatchObject({ accumulatedUnits: 500, unitsPerExecution: -1 });
  });
});
