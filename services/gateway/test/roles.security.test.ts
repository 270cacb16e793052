import { isAllowed, permissions, roles } from "@licensing/contracts";
import { chainAuditBatch, type Orm, query, verifyAuditChain } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayUnderTest, startGateway } from "./gateway-harness.ts";
import { type WalkedCustomRole, walkEveryRoute, walkedRoutes } from "./role-walk.ts";

let gw: GatewayUnderTest;
// Custom roles go through the same table: one that reads licenses and nothing else, and one that
// reveals keys and manages presets without reading licenses.
const custom: WalkedCustomRole[] = [
  { name: "license-reader", actions: ["license.read"] },
  { name: "preset-keeper", actions: ["preset.read", "preset.write", "license.reveal"] },
];
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
      "GET /api/users/directory",
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
      "GET /api/audit",
      "GET /api/audit.csv",
      "GET /api/roles",
      "POST /api/roles",
      "PATCH /api/roles/:name",
      "DELETE /api/roles/:name",
    ])
      expect(listed).toContain(route);
  });

  it("answers every route, for anonymous, every role and custom roles, as the role × action table says", async () => {
    const logs = auditLogs();
    const before = await snapshot(logs);
    expect(before.gateway!.length).toBeGreaterThan(0);
    const results = await walkEveryRoute(gw, true, custom);
    // The log is append-only for every role: the walk called every route (every PATCH, PUT, DELETE
    // and POST, as every role) and every entry there before is there still, unchanged, its chain whole.
    const after = await snapshot(logs);
    // The walk's sign-ins and users were recorded meanwhile.
    expect(after.gateway!.length).toBeGreaterThan(before.gateway!.length);
    for (const [service, rows] of Object.entries(before)) {
      expect(after[service]!.slice(0, rows.length), `${service}'s entries before the walk`).toEqual(rows);
      const report = await verifyAuditChain(logs[service]!.em.fork(), service);
      expect(report, service).toMatchObject({ ok: true });
    }
    expect(results.length).toBe(walkedRoutes(gw).length * (roles.length + custom.length + 1));
    // The walk exercised both sides of the table, not only one.
    expect(results.some((r) => r.code === "forbidden")).toBe(true);
    expect(
      results.filter((r) => r.who === "viewer" && r.url === "/api/accounts" && r.method === "GET")[0]?.status,
    ).toBe(200);
    // The license reader reads licenses and is refused everything else that needs an action.
    const reader = results.filter((r) => r.who === "license-reader");
    const readerRoutes = walkedRoutes(gw);
    expect(reader.find((r) => r.method === "GET" && r.url === "/api/licenses")?.status).toBe(200);
    for (const r of reader) {
      const access = readerRoutes.find((route) => route.method === r.method && route.url === r.url)?.access;
      if (access === "license.read") expect([401, 403], `${r.method} ${r.url}`).not.toContain(r.status);
      else if (access !== "public" && access !== "signed-in")
        expect([r.status, r.code], `${r.method} ${r.url}`).toEqual([403, "forbidden"]);
    }
    // Viewers no longer reveal keys nor download signed files; license admins do.
    for (const route of ["/api/licenses/:id/reveal-key", "/api/licenses/:id/file"]) {
      expect(results.find((r) => r.who === "viewer" && r.url === route)?.code, route).toBe("forbidden");
      expect(results.find((r) => r.who === "license-admin" && r.url === route)?.status, route).toBe(404);
    }
    // Every route as nine visitors, and three audit logs read whole twice: ~15 s alone, more than
    // the default 30 s on a machine busy with other test files.
  }, 180_000);

  it("has no route that writes the audit log: its routes are reads", () => {
    const audit = walkedRoutes(gw).filter((r) => r.url.startsWith("/api/audit"));
    expect(audit.map((r) => `${r.method} ${r.url}`).sort()).toEqual(["GET /api/audit", "GET /api/audit.csv"]);
    expect(audit.every((r) => r.access === "audit.read")).toBe(true);
    // The auditor reads the log and nothing else; only the superadmin shares it.
    expect(permissions.auditor).toEqual(["audit.read"]);
    expect(roles.filter((role) => isAllowed([role], "audit.read")).sort()).toEqual(["auditor", "superadmin"]);
  });

  it("gives a user of a custom role exactly its actions, in the session and at every check", async () => {
    const reader = await gw.userWith(["license-reader"]);
    const session = (await reader.get("/api/auth/session")).json<{
      permissions: string[];
      user: { roles: string[] };
    }>();
    expect(session.permissions).toEqual(["license.read"]);
    expect(session.user.roles).toEqual(["license-reader"]);
    expect((await reader.get("/api/licenses")).statusCode).toBe(200);
    expect((await reader.get("/api/accounts")).statusCode).toBe(403);
    // With a built-in role beside it, the union; and a change of the role holds at the next request.
    const both = await gw.userWith(["license-reader", "auditor"]);
    expect((await both.get("/api/auth/session")).json().permissions).toEqual(["license.read", "audit.read"]);
    const changed = await gw.admin.patch("/api/roles/license-reader", {
      actions: ["license.read", "account.read"],
    });
    expect(changed.statusCode).toBe(200);
    expect((await reader.get("/api/accounts")).statusCode).toBe(200);
    expect((await reader.get("/api/auth/session")).json().permissions).toEqual([
      "account.read",
      "license.read",
    ]);
    await gw.admin.patch("/api/roles/license-reader", { actions: ["license.read"] });
    expect((await reader.get("/api/accounts")).statusCode).toBe(403);
  });

  it("lets a user with several roles do what any of them allows", async () => {
    const both = await gw.userWith(["viewer", "sales"]);
    expect(isAllowed(["viewer", "sales"], "account.write")).toBe(true);
    const created = await both.post("/api/accounts", { type: "prospect", name: "Two-hat prospect" });
    expect(created.statusCode).toBe(201);
    expect((await both.get("/api/users")).statusCode).toBe(403);
  });
});

/** The audit logs of the services this gateway runs with. */
function auditLogs(): Record<string, Orm> {
  return { gateway: gw.orm, catalog: gw.catalogOrm!, issuer: gw.issuerOrm! };
}

/** Every entry of each log, in chain order, once every committed one is chained. */
async function snapshot(logs: Record<string, Orm>): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = {};
  for (const [service, orm] of Object.entries(logs)) {
    // A batch that finds the chain's lock taken chains nothing: the service's own worker is linking
    // entries meanwhile, so wait until none is left unchained rather than until a batch finds none.
    for (;;) {
      await chainAuditBatch(orm, service);
      const [left] = await query<{ n: string }>(
        orm,
        `select count(*) as n from "${service}".audit_log where chain_seq is null`,
      );
      if (left?.n === "0") break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    rows[service] = await query(orm, `select * from "${service}".audit_log order by chain_seq`);
  }
  return rows;
}
