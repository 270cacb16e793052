import type { Product } from "@licensing/contracts";
import { type ErrorResponse, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway({ catalog: true, activateCrm: true });
});
afterAll(() => gw?.stop());

describe("products", () => {
  it("creates, lists, reads, edits and deletes a product", async () => {
    const created = await gw.admin.post("/api/products", {
      code: "collector",
      name: "Collector",
      executionModes: [{ code: "server", name: "Server" }],
      customFeatures: [{ code: "reports", name: "Reports" }],
    });
    expect(created.statusCode).toBe(201);
    expect(created.json<Product>()).toMatchObject({ code: "collector", defaultNotifyDays: 30, version: 1 });
    expect((await gw.admin.get("/api/products")).json().items.map((p: Product) => p.code)).toEqual([
      "collector",
    ]);
    expect((await gw.admin.get("/api/products/collector")).json().name).toBe("Collector");
    const edited = await gw.admin.patch("/api/products/collector", {
      name: "Collector 2",
      defaultNotifyDays: 14,
    });
    expect(edited.json()).toMatchObject({ name: "Collector 2", defaultNotifyDays: 14, version: 2 });
    const deleted = await gw.admin.delete("/api/products/collector");
    expect(deleted.json()).toEqual({ code: "collector", deleted: true });
    expect((await gw.admin.get("/api/products/collector")).statusCode).toBe(404);
  });

  it("answers errors with their code and the field they concern", async () => {
    const invalid = await gw.admin.post("/api/products", { code: "Bad Code", name: "" });
    expect(invalid.statusCode).toBe(400);
    expect(
      invalid
        .json<ErrorResponse>()
        .details?.issues?.map((i) => i.path)
        .sort(),
    ).toEqual(["code", "name"]);
    await gw.admin.post("/api/products", { code: "cockpit", name: "Cockpit" });
    const duplicate = await gw.admin.post("/api/products", { code: "cockpit", name: "Cockpit again" });
    expect([duplicate.statusCode, duplicate.json<ErrorResponse>().code]).toEqual([409, "already_exists"]);
    const missing = await gw.admin.patch("/api/products/nothing-here", { name: "x" });
    expect([missing.statusCode, missing.json<ErrorResponse>().code]).toEqual([404, "not_found"]);
    const badPath = await gw.admin.get("/api/products/NOT_A_CODE");
    expect(badPath.json<ErrorResponse>().details?.issues?.map((i) => i.path)).toEqual(["code"]);
  });

  it("lets sales read products but not change them", async () => {
    const sales = await gw.userWith(["sales"]);
    expect((await sales.get("/api/products")).statusCode).toBe(200);
    expect((await sales.delete("/api/products/cockpit")).json<ErrorResponse>().code).toBe("forbidden");
  });
});
