import { catalogEvents, issuer, licenseDefaultsSchema, newId } from "@licensing/contracts";
import { DeadLetters, envelopeHeaders, query } from "@licensing/platform";
import { jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedBuiltinPresets } from "../src/domain/builtin-presets.ts";
import { openIssuerDatabase } from "../src/service.ts";
import { actors, as, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

let under: IssuerUnderTest;
beforeAll(async () => {
  under = await startIssuer({ builtinPresets: true });
});
afterAll(() => under?.stop());

const names = async () => (await under.env.bus.request(issuer.listPresets, {})).items.map((p) => p.name);
const builtins = (product: string) => [
  `${product} · commercial, 1 year`,
  `${product} · test, 14 days`,
  `${product} · test, 30 days`,
];

describe("built-in presets", () => {
  it("are created for a new product, once, and can be edited like any preset", async () => {
    await under.product("collector");
    await expect.poll(names, { timeout: 10_000 }).toEqual(builtins("Collector"));
    const preset = (await under.env.bus.request(issuer.listPresets, {})).items.find(
      (p) => p.name === "Collector · test, 30 days",
    )!;
    expect(preset.parameters).toEqual({
      products: ["collector"],
      kind: "test",
      durationDays: 30,
      notifyDays: 7,
    });
    const changed = await under.env.bus.request(
      issuer.updatePreset,
      { id: preset.id, description: "our trials", expectedVersion: preset.version },
      as(actors.licenseAdmin),
    );
    expect(changed).toMatchObject({ description: "our trials", version: preset.version + 1 });
  });

  it("are created from a product.updated 1.0 event of an older catalog, which has no test defaults", async () => {
    // As a catalog of the release before test defaults wrote it (a rolling upgrade, or a replay).
    const eventId = newId("event");
    const at = new Date().toISOString();
    await jetstream(under.env.nc).publish(
      `${under.env.prefix}.evt.${catalogEvents.productUpdated.name}`,
      JSON.stringify({
        code: "legacy",
        name: "Legacy",
        executionModes: [],
        customFeatures: [],
        unitsTypes: [],
        defaultNotifyDays: 30,
        defaults: licenseDefaultsSchema.parse({}),
        version: 1,
        createdAt: at,
        updatedAt: at,
      }),
      {
        msgID: eventId,
        headers: envelopeHeaders({ eventId, version: "1.0", requestId: "req_older_catalog" }),
      },
    );
    await expect
      .poll(async () => (await names()).filter((n) => n.startsWith("Legacy")), { timeout: 10_000 })
      .toEqual(builtins("Legacy"));
    const letters = await new DeadLetters(under.env.nc, under.env.prefix).list();
    expect(letters.filter((letter) => letter.eventId === eventId)).toEqual([]);
  });

  it("stay deleted once deleted, across a restart of the seeding", async () => {
    await under.product("cockpit");
    await expect.poll(async () => (await names()).filter((n) => n.startsWith("Cockpit"))).toHaveLength(3);
    const preset = (await under.env.bus.request(issuer.listPresets, {})).items.find(
      (p) => p.name === "Cockpit · test, 14 days",
    )!;
    await under.env.bus.request(issuer.deletePreset, { id: preset.id }, as(actors.licenseAdmin));
    // A replica starting seeds the catalog's products: the deleted one is not brought back.
    await under.addReplica();
    expect(await seedBuiltinPresets(under.orm, { code: "cockpit", name: "Cockpit" })).toBe(false);
    expect((await names()).filter((n) => n.startsWith("Cockpit"))).toEqual([
      "Cockpit · commercial, 1 year",
      "Cockpit · test, 30 days",
    ]);
  });

  it("are created once when two replicas seed the same product together", async () => {
    const other = await openIssuerDatabase(under.env.databaseUrl, under.env.log);
    try {
      const product = { code: "probe", name: "Probe" };
      const results = await Promise.all([
        seedBuiltinPresets(under.orm, product),
        seedBuiltinPresets(other, product),
        seedBuiltinPresets(under.orm, product),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const [{ count }] = (await query(
        under.orm.em.fork(),
        "select count(*)::int as count from issuer.presets where name like 'Probe · %'",
      )) as [{ count: number }];
      expect(count).toBe(3);
    } finally {
      await other.close();
    }
  });
});
