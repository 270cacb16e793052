import {
  type Actor,
  distribution,
  type IssuedLicense,
  issuer,
  issuerEvents,
  type LicenseEvent,
  type LicenseUsage,
} from "@licensing/contracts";
import { verifyLicenseFile } from "@licensing/model";
import { createBusService, EventConsumer, type RunningService } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actors, as, collectorProduct, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

let under: IssuerUnderTest;
let consumer: EventConsumer;
const events: { name: string; payload: LicenseEvent; requestId: string | undefined }[] = [];

beforeAll(async () => {
  under = await startIssuer();
  await under.product("collector", collectorProduct);
  await under.product("cockpit", { unitsTypes: [{ code: "lines", name: "Lines of code" }] });
  consumer = new EventConsumer({
    nc: under.env.nc,
    orm: under.orm,
    prefix: under.env.prefix,
    name: "amendment-test",
    log: under.env.log,
  });
  consumer.on(issuerEvents.licenseAmended, async (payload, ctx) => {
    events.push({
      name: issuerEvents.licenseAmended.name,
      payload: issuerEvents.licenseAmended.payload.parse(payload),
      requestId: ctx.requestId,
    });
  });
  await consumer.start();
});
afterAll(async () => {
  await consumer?.stop();
  await under?.stop();
});

async function newLicense(parameters: Record<string, unknown> = {}): Promise<IssuedLicense> {
  const account = await under.account();
  const { licenses } = await under.env.bus.request(
    issuer.createLicense,
    {
      accountId: account.id,
      products: ["collector"],
      startDate: "2030-01-01T00:00:00Z",
      endDate: "2031-01-01T00:00:00Z",
      ...parameters,
    } as never,
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

const amend = (request: Record<string, unknown>, actor: Actor = actors.sales, requestId?: string) =>
  under.env.bus.request(issuer.amend, request as never, as(actor, requestId));

describe("amending a license", () => {
  it("signs a new version with the change, in its history, its audit entry and an event", async () => {
    const { license, file } = await newLicense({ metadata: { "sales-order": "SO-1" } });
    const amended = await amend(
      {
        id: license.id,
        products: ["collector", "cockpit"],
        availableActivations: 5,
        accumulatedUnits: 2_000_000,
        endDate: "2031-06-30T00:00:00Z",
        metadata: { "sales-order": "SO-2", region: "EU" },
        reason: "Upsell: cockpit and two more machines",
      },
      actors.sales,
      "req_amend",
    );
    expect(amended).toMatchObject({
      id: license.id,
      keyHint: license.keyHint,
      serial: 2,
      products: ["collector", "cockpit"],
      productFriendlyNames: ["Collector", "Cockpit"],
      availableActivations: 5,
      accumulatedUnits: 2_000_000,
      endDate: "2031-06-30T00:00:00.000Z",
      startDate: license.startDate,
      metadata: { "sales-order": "SO-2", region: "EU" },
      kind: license.kind,
      createdByName: license.createdByName,
      dateIssued: license.dateIssued,
    });

    const versions = (await under.env.bus.request(issuer.listVersions, { id: license.id })).items;
    expect(versions.map((v) => [v.serial, v.reason, v.amended, v.createdByName])).toEqual([
      [2, "reissued", true, "sam"],
      [1, "issued", false, "lea"],
    ]);
    expect((await under.env.bus.request(issuer.getFile, { id: license.id, serial: 1 })).file).toBe(file);
    const current = await under.env.bus.request(issuer.getFile, { id: license.id });
    expect(verifyLicenseFile(current.file, await keys())).toMatchObject({
      id: license.id,
      serial: 2,
      products: ["collector", "cockpit"],
      availableActivations: 5,
      accumulatedUnits: 2_000_000,
      endDate: "2031-06-30T00:00:00.000Z",
      metadata: { "sales-order": "SO-2", region: "EU" },
      dateIssued: license.dateIssued,
      createdBy: "lea",
      ownerCompany: license.ownerCompany,
    });

    const trail = (await under.env.bus.request(issuer.auditTrail, { id: license.id })).items;
    expect(trail[0]).toMatchObject({
      action: "license.amended",
      actorName: "sam",
      requestId: "req_amend",
      reason: "Upsell: cockpit and two more machines",
      changes: {
        products: [["collector"], ["collector", "cockpit"]],
        availableActivations: [license.availableActivations, 5],
        accumulatedUnits: [license.accumulatedUnits, 2_000_000],
        endDate: ["2031-01-01T00:00:00.000Z", "2031-06-30T00:00:00.000Z"],
        metadata: [{ "sales-order": "SO-1" }, { "sales-order": "SO-2", region: "EU" }],
        serial: [1, 2],
      },
    });
    // Only what changed is in the entry.
    expect(Object.keys(trail[0]!.changes)).not.toContain("seats");
    // The figures count the added product (the statistics follow the row's update).
    const dashboard = await under.env.bus.request(issuer.dashboard, {});
    expect(dashboard.byProduct).toContainEqual({ key: "cockpit", count: 1 });

    const deadline = Date.now() + 5_000;
    while (!events.some((e) => e.payload.licenseId === license.id) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const event = events.find((e) => e.payload.licenseId === license.id);
    expect(event).toMatchObject({
      name: "license.amended",
      requestId: "req_amend",
      payload: { serial: 2, file: current.file, availableActivations: 5, products: ["collector", "cockpit"] },
    });
  });

  it("re-encrypts an encrypted license's new version for its own key", async () => {
    const { license, licenseKey } = await newLicense({ encrypted: true });
    await amend({ id: license.id, seats: 4 });
    const current = await under.env.bus.request(issuer.getFile, { id: license.id });
    expect(verifyLicenseFile(current.file, await keys(), { licenseKey })).toMatchObject({
      seats: 4,
      serial: 2,
    });
  });

  it("answers a repeat with the same idempotency key once, and refuses the key for another change", async () => {
    const { license } = await newLicense();
    const request = { id: license.id, availableActivations: 9, idempotencyKey: "amend-key-0001" };
    const [first, second] = await Promise.all([amend(request), amend(request)]);
    expect(second).toEqual(first);
    expect(first.serial).toBe(2);
    expect((await under.env.bus.request(issuer.listVersions, { id: license.id })).items).toHaveLength(2);
    await expect(amend({ ...request, availableActivations: 10 })).rejects.toMatchObject({ code: "conflict" });
  });

  it("keeps the notice window within a license the amendment shortens", async () => {
    const { license } = await newLicense({ notifyDays: 60 });
    const amended = await amend({ id: license.id, endDate: "2030-01-31T00:00:00Z" });
    expect(amended.notifyDays).toBe(30);
    await expect(amend({ id: license.id, notifyDays: 45 })).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "notifyDays" }] },
    });
  });

  describe("refuses", () => {
    it("a revoked license", async () => {
      const { license } = await newLicense();
      await under.env.bus.request(
        issuer.revoke,
        { id: license.id, reason: "fraud" },
        as(actors.licenseAdmin),
      );
      await expect(amend({ id: license.id, seats: 2 })).rejects.toMatchObject({ code: "invalid_state" });
    });

    it("an unknown license", async () => {
      await expect(amend({ id: "lic_01J0000000000000000000NONE", seats: 2 })).rejects.toMatchObject({
        code: "not_found",
      });
    });

    it("an amendment that changes nothing", async () => {
      const { license } = await newLicense();
      await expect(amend({ id: license.id })).rejects.toMatchObject({ code: "validation_failed" });
      await expect(
        amend({
          id: license.id,
          availableActivations: license.availableActivations,
          endDate: "2031-01-01T00:00:00.000+00:00",
          metadata: {},
        }),
      ).rejects.toMatchObject({
        code: "validation_failed",
        message: expect.stringMatching(/changes nothing/),
      });
    });

    it("an unknown product, a removed product and a new main product", async () => {
      const { license } = await newLicense({ products: ["collector", "cockpit"] });
      await expect(
        amend({ id: license.id, products: ["collector", "cockpit", "nope"] }),
      ).rejects.toMatchObject({
        code: "validation_failed",
        details: { issues: [{ path: "products.2" }] },
      });
      await expect(amend({ id: license.id, products: ["collector"] })).rejects.toMatchObject({
        code: "validation_failed",
        details: { issues: [{ path: "products" }] },
      });
      await expect(amend({ id: license.id, products: ["cockpit", "collector"] })).rejects.toMatchObject({
        code: "validation_failed",
        details: { issues: [{ path: "products.0" }] },
      });
    });

    it("an end before the start, and what the products do not offer", async () => {
      const { license } = await newLicense();
      await expect(amend({ id: license.id, endDate: "2029-01-01T00:00:00Z" })).rejects.toMatchObject({
        code: "validation_failed",
        details: { issues: [{ path: "endDate" }] },
      });
      await expect(amend({ id: license.id, executionModes: ["teleport"] })).rejects.toMatchObject({
        code: "validation_failed",
        details: { issues: [{ path: "executionModes.0" }] },
      });
    });

    it("a change to a kind of license the operator may not create", async () => {
      const { license } = await newLicense({ internal: true });
      await expect(amend({ id: license.id, seats: 3 }, actors.sales)).rejects.toMatchObject({
        code: "forbidden",
      });
      expect((await amend({ id: license.id, seats: 3 }, actors.licenseAdmin)).seats).toBe(3);
    });
  });

  describe("with what distribution says is in use", () => {
    let fake: RunningService;
    const inUse = { activeMachines: 2, unitsConsumed: 500_000 };

    beforeAll(async () => {
      fake = createBusService({
        nc: await under.env.connect("distribution"),
        prefix: under.env.prefix,
        log: under.env.log,
        name: "distribution",
        version: "0.0.0",
        description: "distribution's usage, as the test says",
        endpoints: (server) =>
          server.add(distribution.licenseUsage, async ({ licenseId }) => usageOf(licenseId)),
      });
      await fake.start();
    });
    afterAll(async () => fake?.stop());

    function usageOf(licenseId: string): LicenseUsage {
      return {
        licenseId,
        accountId: "acc_x",
        products: ["collector"],
        state: "active",
        serial: 1,
        timesDownloaded: 0,
        lastDownloadedAt: null,
        availableActivations: 3,
        activeMachines: inUse.activeMachines,
        machines: [],
        balance: {
          accumulatedUnits: 1_000_000,
          unitsPerExecution: 100_000,
          unitsConsumed: inUse.unitsConsumed,
          unitsRemaining: 500_000,
          lastUsedAt: null,
        },
        seats: 0,
        leases: [],
      };
    }

    it("refuses activations or units below what is in use, and lowers them down to it", async () => {
      const { license } = await newLicense();
      await expect(
        amend({ id: license.id, availableActivations: 1, accumulatedUnits: 400_000 }),
      ).rejects.toMatchObject({
        code: "validation_failed",
        details: { issues: [{ path: "availableActivations" }, { path: "accumulatedUnits" }] },
      });
      const amended = await amend({ id: license.id, availableActivations: 2, accumulatedUnits: 500_000 });
      expect(amended).toMatchObject({ availableActivations: 2, accumulatedUnits: 500_000, serial: 2 });
    });
  });
});
