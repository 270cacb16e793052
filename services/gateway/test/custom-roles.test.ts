import { builtInRoles } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ErrorResponse, type GatewayUnderTest, startGateway } from "./gateway-harness.ts";

// Custom roles (Settings → Roles): defined, changed and deleted by user managers, given to users
// like the built-in ones, every change in the audit log.
let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.stop());

interface RoleView {
  name: string;
  description: string;
  builtIn: boolean;
  actions: string[];
  users: number;
  version?: number;
}

const issuesOf = (response: { json<T>(): T }) => response.json<ErrorResponse>().details?.issues;
const codeOf = (response: { statusCode: number; json<T>(): T }) => [
  response.statusCode,
  response.json<ErrorResponse>().code,
];
const auditOf = async (entityType: string, entityId: string) =>
  (await gw.admin.get(`/api/audit?service=gateway&entityType=${entityType}&entityId=${entityId}`)).json<{
    items: { action: string; actorName: string; changes: Record<string, [unknown, unknown]> }[];
  }>().items;

describe("the roles list", () => {
  it("lists the built-in roles first, in their order, with their actions and holders", async () => {
    const response = await gw.admin.get("/api/roles");
    expect(response.statusCode).toBe(200);
    const items = response.json<{ items: RoleView[] }>().items;
    expect(items.slice(0, builtInRoles.length).map((r) => r.name)).toEqual(builtInRoles.map((r) => r.name));
    const superadmin = items.find((r) => r.name === "superadmin")!;
    expect(superadmin).toMatchObject({ builtIn: true, users: 1 });
    expect(superadmin.actions).toContain("license.reveal");
    expect(items.find((r) => r.name === "viewer")?.actions).not.toContain("license.reveal");
    expect((await gw.admin.get("/api/roles/viewer")).json<RoleView>()).toMatchObject({ builtIn: true });
  });

  it("is for user managers only", async () => {
    const licenseAdmin = await gw.userWith(["license-admin"]);
    for (const [method, path] of [
      ["GET", "/api/roles"],
      ["GET", "/api/roles/viewer"],
      ["POST", "/api/roles"],
      ["PATCH", "/api/roles/anything"],
      ["DELETE", "/api/roles/anything"],
    ] as const) {
      const body = method === "POST" ? { name: "sneaky", actions: ["license.read"] } : undefined;
      expect(codeOf(await licenseAdmin.request(method, path, body)), `${method} ${path}`).toEqual([
        403,
        "forbidden",
      ]);
    }
    const anonymous = await gw.app.inject({ method: "GET", url: "/api/roles" });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe("defining a custom role", () => {
  it("creates a role from the permission list, keeps its actions in the list's order, audits it", async () => {
    const response = await gw.admin.post("/api/roles", {
      name: "field-support",
      description: "  Test licenses on site  ",
      actions: ["license.create.test", "license.read", "account.read", "license.read"],
    });
    expect(response.statusCode).toBe(201);
    expect(response.json<RoleView>()).toMatchObject({
      name: "field-support",
      description: "Test licenses on site",
      builtIn: false,
      actions: ["account.read", "license.read", "license.create.test"],
      users: 0,
      version: 1,
    });
    const listed = (await gw.admin.get("/api/roles")).json<{ items: RoleView[] }>().items;
    expect(listed.at(-1)?.name).toBe("field-support");
    const [entry] = await auditOf("role", "field-support");
    expect(entry).toMatchObject({
      action: "role.created",
      actorName: "admin",
      changes: {
        description: [null, "Test licenses on site"],
        actions: [null, ["account.read", "license.read", "license.create.test"]],
      },
    });
  });

  it("refuses a name a role already has, built-in names included (409)", async () => {
    await gw.admin.post("/api/roles", { name: "twice", actions: ["account.read"] });
    const again = await gw.admin.post("/api/roles", { name: "twice", actions: ["product.read"] });
    expect(codeOf(again)).toEqual([409, "already_exists"]);
    expect(issuesOf(again)?.map((i) => i.path)).toEqual(["name"]);
    for (const name of ["superadmin", "viewer", "auditor"]) {
      const builtIn = await gw.admin.post("/api/roles", { name, actions: ["account.read"] });
      expect(codeOf(builtIn), name).toEqual([409, "already_exists"]);
      expect(builtIn.json<ErrorResponse>().message).toContain("built-in");
    }
  });

  it("names what is wrong with a name, a description or the actions (400)", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: "x", actions: ["account.read"] }, "name"],
      [{ name: "a".repeat(41), actions: ["account.read"] }, "name"],
      [{ name: "Field-Support", actions: ["account.read"] }, "name"],
      [{ name: "9lives", actions: ["account.read"] }, "name"],
      [{ name: "trailing-", actions: ["account.read"] }, "name"],
      [{ name: "with space", actions: ["account.read"] }, "name"],
      [{ name: "nul\u0000role", actions: ["account.read"] }, "name"],
      [{ name: "lone\ud800", actions: ["account.read"] }, "name"],
      [{ name: "café", actions: ["account.read"] }, "name"],
      [{ name: "ok-name", description: "bad\u0000", actions: ["account.read"] }, "description"],
      [{ name: "ok-name", description: "two\nlines", actions: ["account.read"] }, "description"],
      [{ name: "ok-name", description: "d".repeat(201), actions: ["account.read"] }, "description"],
      [{ name: "ok-name", actions: [] }, "actions"],
      [{ name: "ok-name", actions: ["license.steal"] }, "actions.0"],
      [{ name: "ok-name" }, "actions"],
      [{ actions: ["account.read"] }, "name"],
      [{ name: "ok-name", actions: ["account.read"], builtIn: true }, ""],
    ];
    for (const [body, path] of cases) {
      const response = await gw.admin.post("/api/roles", body);
      const label = JSON.stringify(body).slice(0, 80);
      expect(codeOf(response), label).toEqual([400, "validation_failed"]);
      const paths = issuesOf(response)?.map((i) => i.path) ?? [];
      if (path) expect(paths, label).toContain(path);
    }
    const raw = await gw.app.inject({
      method: "POST",
      url: "/api/roles",
      headers: {
        cookie: `lic_session=${gw.admin.session}`,
        "x-csrf-token": gw.admin.csrfToken!,
        "content-type": "application/json",
      },
      payload: '{"name":"lone-\\udc00","actions":["account.read"]}',
    });
    expect(codeOf(raw)).toEqual([400, "validation_failed"]);
    expect(issuesOf(raw)?.[0]?.path).toBe("name");
    expect((await gw.admin.get("/api/roles/ok-name")).statusCode).toBe(404);
  });
});

describe("changing and deleting a custom role", () => {
  it("changes the description and actions, with a version check, and audits the change", async () => {
    const created = (
      await gw.admin.post("/api/roles", { name: "renewals", actions: ["license.read"] })
    ).json<RoleView>();
    const changed = await gw.admin.patch("/api/roles/renewals", {
      description: "Renews what it reads",
      actions: ["license.renew", "license.read"],
      expectedVersion: created.version,
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json<RoleView>()).toMatchObject({
      description: "Renews what it reads",
      actions: ["license.read", "license.renew"],
      version: 2,
    });
    const stale = await gw.admin.patch("/api/roles/renewals", {
      actions: ["license.read"],
      expectedVersion: 1,
    });
    expect(codeOf(stale)).toEqual([409, "conflict"]);
    const entries = await auditOf("role", "renewals");
    expect(entries.map((e) => e.action).sort()).toEqual(["role.created", "role.updated"]);
    expect(entries.find((e) => e.action === "role.updated")?.changes).toEqual({
      description: ["", "Renews what it reads"],
      actions: [["license.read"], ["license.read", "license.renew"]],
    });
    expect(codeOf(await gw.admin.patch("/api/roles/renewals", { name: "other" }))).toEqual([
      400,
      "validation_failed",
    ]);
  });

  it("answers 404 for a role that does not exist, 409 for a built-in one", async () => {
    expect(codeOf(await gw.admin.get("/api/roles/nobody"))).toEqual([404, "not_found"]);
    expect(codeOf(await gw.admin.patch("/api/roles/nobody", { actions: ["license.read"] }))).toEqual([
      404,
      "not_found",
    ]);
    expect(codeOf(await gw.admin.delete("/api/roles/nobody"))).toEqual([404, "not_found"]);
    expect(codeOf(await gw.admin.patch("/api/roles/viewer", { actions: ["license.reveal"] }))).toEqual([
      409,
      "invalid_state",
    ]);
    expect(codeOf(await gw.admin.delete("/api/roles/superadmin"))).toEqual([409, "invalid_state"]);
  });

  it("refuses to delete a role while a user holds it, then deletes it once nobody does", async () => {
    await gw.admin.post("/api/roles", { name: "temporary", actions: ["dashboard.read"] });
    const holder = await gw.admin.post("/api/users", { username: "holder", roles: ["temporary", "viewer"] });
    expect(holder.statusCode).toBe(201);
    const userId = holder.json<{ user: { id: string } }>().user.id;
    expect((await gw.admin.get("/api/roles/temporary")).json<RoleView>().users).toBe(1);
    const refused = await gw.admin.delete("/api/roles/temporary");
    expect(codeOf(refused)).toEqual([409, "invalid_state"]);
    expect(refused.json<ErrorResponse>().message).toContain("holder");
    // Disabled users keep their roles: still refused.
    await gw.admin.patch(`/api/users/${userId}`, { disabled: true });
    expect((await gw.admin.delete("/api/roles/temporary")).statusCode).toBe(409);
    await gw.admin.patch(`/api/users/${userId}`, { roles: ["viewer"] });
    const deleted = await gw.admin.delete("/api/roles/temporary");
    expect(deleted.statusCode).toBe(204);
    expect((await gw.admin.get("/api/roles/temporary")).statusCode).toBe(404);
    const entries = await auditOf("role", "temporary");
    expect(entries.map((e) => e.action).sort()).toEqual(["role.created", "role.deleted"]);
    // Giving roles is audited on the user: the custom role came and went.
    const userEntries = await auditOf("user", userId);
    expect(userEntries.find((e) => e.action === "user.created")?.changes.roles).toEqual([
      null,
      ["temporary", "viewer"],
    ]);
    expect(userEntries.find((e) => e.action === "user.updated")?.changes.roles).toEqual([
      ["temporary", "viewer"],
      ["viewer"],
    ]);
    // Once gone, it cannot be given.
    const given = await gw.admin.patch(`/api/users/${userId}`, { roles: ["temporary"] });
    expect(codeOf(given)).toEqual([400, "validation_failed"]);
    expect(issuesOf(given)).toEqual([{ path: "roles.0", message: "no role is named temporary" }]);
  });
});

describe("a user manager who is not a superadmin", () => {
  it("cannot grant, through a role or to a user, what their own roles do not allow", async () => {
    await gw.admin.post("/api/roles", { name: "people", actions: ["user.manage", "account.read"] });
    const manager = await gw.userWith(["people"]);
    expect((await manager.get("/api/roles")).statusCode).toBe(200);
    const wider = await manager.post("/api/roles", {
      name: "wider",
      actions: ["account.read", "account.write"],
    });
    expect(codeOf(wider)).toEqual([403, "forbidden"]);
    expect(wider.json<ErrorResponse>().message).toContain("account.write");
    expect(
      (await manager.post("/api/roles", { name: "narrower", actions: ["account.read"] })).statusCode,
    ).toBe(201);
    const superadmin = await manager.post("/api/users", { username: "grown", roles: ["superadmin"] });
    expect(codeOf(superadmin)).toEqual([403, "forbidden"]);
    const fine = await manager.post("/api/users", { username: "narrow-user", roles: ["narrower"] });
    expect(fine.statusCode).toBe(201);
    const widened = await manager.patch("/api/roles/narrower", { actions: ["account.read", "license.read"] });
    expect(codeOf(widened)).toEqual([403, "forbidden"]);
    // The superadmin's roles allow everything: they may grant anything.
    expect(
      (await gw.admin.patch("/api/roles/narrower", { actions: ["account.read", "license.read"] })).statusCode,
    ).toBe(200);
    // …and the manager may still change what the role already held.
    expect((await manager.patch("/api/roles/narrower", { description: "Reads accounts" })).statusCode).toBe(
      200,
    );
  });
});
