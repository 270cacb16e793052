import { catalog } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CatalogUnderTest, startCatalog } from "./catalog-harness.ts";

let under: CatalogUnderTest;
beforeAll(async () => {
  under = await startCatalog();
});
afterAll(() => under?.stop());

const collector = {
  code: "collector",
  name: "Collector",
  executionModes: [
    { code: "scanning", name: "Scanning" },
    { code: "migration", name: "Migration" },
  ],
  customFeatures: [{ code: "csharp", name: "C#" }],
  unitsTypes: [{ code: "lines", name: "Lines of code" }],
  defaultNotifyDays: 45,
  defaults: {
    durationDays: 30,
    unitsType: "lines",
    accumulatedUnits: 100_000,
    executionModes: ["scanning"],
    customFeatures: ["csharp"],
  },
};

describe("products", () => {
  it("creates, reads, lists, updates and deletes a product", async () => {
    const { bus } = under.env;
    const created = await bus.request(catalog.createProduct, collector);
    expect(created).toMatchObject({
      code: "collector",
      defaultNotifyDays: 45,
      version: 1,
      defaults: { kind: "commercial", seats: 0, availableActivations: 1 },
      testDefaults: { durationDays: 30, notifyDays: 7 },
    });
    expect(await bus.request(catalog.getProduct, { code: "collector" })).toEqual(created);
    await bus.request(catalog.createProduct, { code: "cockpit", name: "Cockpit" });
    expect((await bus.request(catalog.listProducts, {})).items.map((p) => p.code)).toEqual([
      "cockpit",
      "collector",
    ]);
    const updated = await bus.request(catalog.updateProduct, {
      code: "collector",
      name: "Code Collector",
      expectedVersion: 1,
    });
    expect(updated).toMatchObject({
      name: "Code Collector",
      version: 2,
      executionModes: collector.executionModes,
    });
    await expect(
      bus.request(catalog.updateProduct, { code: "collector", name: "Stale", expectedVersion: 1 }),
    ).rejects.toMatchObject({ code: "conflict" });
    await bus.request(catalog.deleteProduct, { code: "cockpit" });
    await expect(bus.request(catalog.getProduct, { code: "cockpit" })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(bus.request(catalog.deleteProduct, { code: "cockpit" })).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("refuses a duplicate code", async () => {
    await under.env.bus.request(catalog.createProduct, { code: "dup", name: "Dup" });
    await expect(
      under.env.bus.request(catalog.createProduct, { code: "dup", name: "Dup again" }),
    ).rejects.toMatchObject({ code: "already_exists" });
  });

  it("refuses defaults that use what the product does not offer, naming the field", async () => {
    const bad = {
      ...collector,
      code: "bad",
      defaults: { ...collector.defaults, executionModes: ["scanning", "teleport"], unitsType: "bytes" },
    };
    await expect(under.env.bus.request(catalog.createProduct, bad)).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "defaults.executionModes.1" }, { path: "defaults.unitsType" }] },
    });
    await expect(
      under.env.bus.request(catalog.updateProduct, {
        code: "collector",
        executionModes: [{ code: "migration", name: "Migration" }],
      }),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "defaults.executionModes.0" }] },
    });
  });

  it("keeps test licenses' own duration and notice, the notice shorter than the duration", async () => {
    const { bus } = under.env;
    const trial = await bus.request(catalog.createProduct, {
      code: "trial",
      name: "Trial",
      testDefaults: { durationDays: 14, notifyDays: 3 },
    });
    expect(trial.testDefaults).toEqual({ durationDays: 14, notifyDays: 3 });
    await expect(
      bus.request(catalog.updateProduct, {
        code: "trial",
        testDefaults: { durationDays: 14, notifyDays: 30 },
      }),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: {
        issues: [
          { path: "testDefaults.notifyDays", message: "must be shorter than the test license's duration" },
        ],
      },
    });
    await expect(
      bus.request(catalog.updateProduct, { code: "trial", testDefaults: { durationDays: 0, notifyDays: 0 } }),
    ).rejects.toMatchObject({ code: "validation_failed" });
    // At the caps (100 years, a year's notice) and one past each; unknown members are refused.
    const atCaps = await bus.request(catalog.updateProduct, {
      code: "trial",
      testDefaults: { durationDays: 36_500, notifyDays: 365 },
    });
    expect(atCaps.testDefaults).toEqual({ durationDays: 36_500, notifyDays: 365 });
    for (const [testDefaults, path] of [
      [{ durationDays: 36_501, notifyDays: 7 }, "testDefaults.durationDays"],
      [{ durationDays: 400, notifyDays: 366 }, "testDefaults.notifyDays"],
      [{ durationDays: 30.5, notifyDays: 7 }, "testDefaults.durationDays"],
      [{ durationDays: 30 }, "testDefaults.notifyDays"],
      [{ durationDays: 30, notifyDays: 7, graceDays: 3 }, "testDefaults.graceDays"],
    ] as const)
      await expect(
        bus.request(catalog.updateProduct, { code: "trial", testDefaults } as never),
      ).rejects.toMatchObject({ code: "validation_failed", details: { issues: [{ path }] } });
    expect((await bus.request(catalog.getProduct, { code: "trial" })).testDefaults).toEqual(
      atCaps.testDefaults,
    );
    const updated = await bus.request(catalog.updateProduct, {
      code: "trial",
      testDefaults: { durationDays: 60, notifyDays: 10 },
    });
    expect(updated.testDefaults).toEqual({ durationDays: 60, notifyDays: 10 });
    expect((await bus.request(catalog.getProduct, { code: "trial" })).testDefaults).toEqual(
      updated.testDefaults,
    );
  });

  it("refuses an invalid code and a code listed twice", async () => {
    await expect(
      under.env.bus.request(catalog.createProduct, { code: "Bad Code", name: "x" }),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "code" }] },
    });
    const twice = {
      code: "twice",
      name: "Twice",
      customFeatures: [
        { code: "a", name: "A" },
        { code: "a", name: "A again" },
      ],
    };
    await expect(under.env.bus.request(catalog.createProduct, twice)).rejects.toMatchObject({
      details: { issues: [{ path: "customFeatures.1.code" }] },
    });
  });
});
