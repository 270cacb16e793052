import { isAllowed, roles } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayUnderTest, startGateway } from "./gateway-harness.ts";
import { walkEveryRoute, walkedRoutes } from "./role-walk.ts";

let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway({ issuer: true, activateCrm: true });
});
afterAll(() => gw?.stop());

describe("the role × route walk", () => {
  it("covers the gateway's own routes and the CRM module's", () => {
    const listed = walkedRoutes(gw).map((r) => `${r.method} ${r.url}`);
    for (const route of [
      "POST /api/auth/login",
      "GET /api/users",
      "PUT /api/modules/crm/activation",
      "GET /api/accounts",
      "PATCH /api/accounts/:id",
      "DELETE /api/products/:code",
      "POST /api/licenses",
      "GET /api/licenses/export.csv",
      "POST /api/licenses/:id/revoke",
      "POST /api/signing-keys/rotate",
      "POST /api/migration/runs/:runId/rollback",
      "POST /api/migration/runs/:runId/cancel",
      "GET /readyz",
    ])
      expect(listed).toContain(route);
  });

  it("answers every route, for anonymous and every role, as the role × action table says", async () => {
    const results = await walkEveryRoute(gw, true);
    expect(results.length).toBe(walkedRoutes(gw).length * (roles.length + 1));
    // The walk exercised both sides of the table, not only one.
    expect(results.some((r) => r.code === "forbidden")).toBe(true);
    expect(
      results.filter((r) => r.who === "viewer" && r.url === "/api/accounts" && r.method === "GET")[0]?.status,
    ).toBe(200);
  });

  it("lets a user with several roles do what any of them allows", async () => {
    const both = await gw.userWith(["viewer", "sales"]);
    expect(isAllowed(["viewer", "sales"], "account.write")).toBe(true);
    const created = await both.post("/api/accounts", { type: "prospect", name: "Two-hat prospect" });
    expect(created.statusCode).toBe(201);
    expect((await both.get("/api/users")).statusCode).toBe(403);
  });
});
