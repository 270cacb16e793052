import { issuer } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actors, as, collectorProduct, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

let under: IssuerUnderTest;
beforeAll(async () => {
  under = await startIssuer();
  await under.product("collector", collectorProduct);
  await under.product("cockpit");
});
afterAll(() => under?.stop());

describe("presets", () => {
  it("are created, listed, changed and deleted", async () => {
    const { bus } = under.env;
    const preset = await bus.request(
      issuer.createPreset,
      {
        name: "30-day test",
        parameters: { products: ["collector"], kind: "test", durationDays: 30, availableActivations: 1 },
      },
      as(actors.licenseAdmin),
    );
    expect(preset).toMatchObject({ name: "30-day test", description: "", version: 1 });
    await bus.request(
      issuer.createPreset,
      { name: "Cockpit, 10 collectors", parameters: { products: ["cockpit"], seats: 10 } },
      as(actors.licenseAdmin),
    );
    expect((await bus.request(issuer.listPresets, {})).items.map((p) => p.name)).toEqual([
      "30-day test",
      "Cockpit, 10 collectors",
    ]);
    const changed = await bus.request(
      issuer.updatePreset,
      { id: preset.id, description: "for demos", expectedVersion: 1 },
      as(actors.licenseAdmin),
    );
    expect(changed).toMatchObject({ description: "for demos", version: 2 });
    await expect(
      bus.request(
        issuer.updatePreset,
        { id: preset.id, name: "x", expectedVersion: 1 },
        as(actors.licenseAdmin),
      ),
    ).rejects.toMatchObject({ code: "conflict" });
    await bus.request(issuer.deletePreset, { id: preset.id }, as(actors.licenseAdmin));
    await expect(
      bus.request(issuer.deletePreset, { id: preset.id }, as(actors.licenseAdmin)),
    ).rejects.toMatchObject({ code: "not_found" });
  });

  it("refuse a notice window longer than the preset's duration", async () => {
    await expect(
      under.env.bus.request(
        issuer.createPreset,
        {
          name: "Floods the digest",
          parameters: { products: ["collector"], durationDays: 14, notifyDays: 30 },
        },
        as(actors.licenseAdmin),
      ),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "parameters.notifyDays" }] },
    });
  });

  it("refuse a duplicate name and parameters the products do not offer", async () => {
    const { bus } = under.env;
    await bus.request(
      issuer.createPreset,
      { name: "Unique", parameters: { products: ["collector"] } },
      as(actors.licenseAdmin),
    );
    await expect(
      bus.request(
        issuer.createPreset,
        { name: "unique", parameters: { products: ["collector"] } },
        as(actors.licenseAdmin),
      ),
    ).rejects.toMatchObject({
      code: "already_exists",
    });
    await expect(
      bus.request(
        issuer.createPreset,
        { name: "Bad", parameters: { products: ["collector", "nothing"], executionModes: ["warp"] } },
        as(actors.licenseAdmin),
      ),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "parameters.products.1" }] },
    });
    await expect(
      bus.request(
        issuer.createPreset,
        { name: "Bad", parameters: { products: ["collector"], executionModes: ["warp"] } },
        as(actors.licenseAdmin),
      ),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "parameters.executionModes.0" }] },
    });
  });

  it("quick-generate a license from a preset for an account", async () => {
    const { bus } = under.env;
    const preset = await bus.request(
      issuer.createPreset,
      {
        name: "Quick test",
        parameters: {
          products: ["collector"],
          kind: "test",
          durationDays: 14,
          executionModes: ["migration"],
        },
      },
      as(actors.licenseAdmin),
    );
    const account = await under.account();
    const { licenses } = await bus.request(
      issuer.quickGenerate,
      { presetId: preset.id, accountId: account.id },
      as(actors.support),
    );
    expect(licenses[0]!.license).toMatchObject({
      kind: "test",
      presetId: preset.id,
      executionModes: ["migration"],
      createdByName: "sue",
    });
    const days =
      (Date.parse(licenses[0]!.license.endDate!) - Date.parse(licenses[0]!.license.startDate)) / 86_400_000;
    expect(days).toBe(14);
    const commercial = await bus.request(
      issuer.createPreset,
      { name: "Commercial year", parameters: { products: ["collector"] } },
      as(actors.licenseAdmin),
    );
    await expect(
      bus.request(
        issuer.quickGenerate,
        { presetId: commercial.id, accountId: account.id },
        as(actors.support),
      ),
    ).rejects.toMatchObject({
      code: "forbidden",
    });
  });
});
