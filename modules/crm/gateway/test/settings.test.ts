import type { Account, Dashboard, Preset } from "@licensing/contracts";
import { type ErrorResponse, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Presets and quick-generate, and the dashboard, through the gateway to the issuer. (Signing keys
// are the host's: services/gateway/test/signing-keys.test.ts.)
let gw: GatewayUnderTest;
let account: Account;
beforeAll(async () => {
  gw = await startGateway({ issuer: true, activateCrm: true });
  await gw.admin.post("/api/products", { code: "collector", name: "Collector" });
  account = (await gw.admin.post("/api/accounts", { type: "prospect", name: "Soylent" })).json<Account>();
});
afterAll(() => gw?.stop());

describe("presets", () => {
  it("creates, lists, edits, quick-generates from and deletes a preset", async () => {
    const created = await gw.admin.post("/api/presets", {
      name: "30-day test",
      parameters: { products: ["collector"], kind: "test", durationDays: 30 },
    });
    expect(created.statusCode).toBe(201);
    const preset = created.json<Preset>();
    expect((await gw.admin.get("/api/presets")).json().items.map((p: Preset) => p.name)).toEqual([
      "30-day test",
    ]);
    const edited = await gw.admin.patch(`/api/presets/${preset.id}`, {
      expectedVersion: 1,
      description: "For evaluations",
    });
    expect(edited.json()).toMatchObject({ description: "For evaluations", version: 2 });
    const stale = await gw.admin.patch(`/api/presets/${preset.id}`, { expectedVersion: 1, name: "Old" });
    expect(stale.json<ErrorResponse>().code).toBe("conflict");

    const support = await gw.userWith(["support"]);
    const quick = await support.post("/api/licenses/quick-generate", {
      presetId: preset.id,
      accountId: account.id,
      idempotencyKey: "quick-generate-1",
    });
    expect(quick.statusCode).toBe(201);
    expect(quick.json().licenses[0].license).toMatchObject({ kind: "test", presetId: preset.id });
    expect((await support.delete(`/api/presets/${preset.id}`)).statusCode).toBe(403);
    expect((await gw.admin.delete(`/api/presets/${preset.id}`)).json()).toEqual({
      id: preset.id,
      deleted: true,
    });
  });

  it("names a bad parameter of a preset", async () => {
    const response = await gw.admin.post("/api/presets", { name: "", parameters: { products: [] } });
    expect(
      response
        .json<ErrorResponse>()
        .details?.issues?.map((i) => i.path)
        .sort(),
    ).toEqual(["name", "parameters.products"]);
  });
});

describe("the dashboard", () => {
  it("counts what was issued", async () => {
    await gw.admin.post("/api/licenses", { accountId: account.id, products: ["collector"], kind: "test" });
    const dashboard = (await gw.admin.get("/api/dashboard")).json<Dashboard>();
    expect(dashboard.total).toBeGreaterThanOrEqual(1);
    expect(dashboard.byKind.find((k) => k.key === "test")?.count).toBeGreaterThanOrEqual(1);
    expect(dashboard.topAccounts[0]?.accountName).toBe("Soylent");
    const viewer = await gw.userWith(["viewer"]);
    expect((await viewer.get("/api/dashboard")).statusCode).toBe(200);
  });
});
