// GET /api/users/directory: the licenses table's "Created by" picker reads it, so whoever may read
// licenses may read it, and it tells them nothing but who the active users are.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser, type ErrorResponse, type GatewayUnderTest, startGateway } from "./gateway-harness.ts";

let gw: GatewayUnderTest;
let viewer: Browser;
beforeAll(async () => {
  gw = await startGateway();
  viewer = await gw.userWith(["viewer"], "Dir.Viewer");
  for (const username of ["dir_alpha", "Dir+Beta", "dir-gamma"]) {
    expect((await gw.admin.post("/api/users", { username, roles: ["sales"] })).statusCode).toBe(201);
  }
});
afterAll(() => gw?.stop());

type Entry = { id: string; username: string };
const directory = async (browser: Browser, query = "") => {
  const response = await browser.get(`/api/users/directory${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ items: Entry[] }>().items;
};

describe("GET /api/users/directory (happy)", () => {
  it("lists the active users by username, with their id and username only", async () => {
    const items = await directory(viewer);
    const names = items.map((u) => u.username);
    expect(names).toEqual(
      expect.arrayContaining(["admin", "Dir.Viewer", "dir_alpha", "Dir+Beta", "dir-gamma"]),
    );
    // By username whatever its case (punctuation as the database's collation orders it).
    expect(names.indexOf("admin")).toBeLessThan(names.indexOf("dir_alpha"));
    expect(names.indexOf("Dir+Beta")).toBeLessThan(names.indexOf("dir-gamma"));
    for (const entry of items) {
      expect(Object.keys(entry).sort()).toEqual(["id", "username"]);
      expect(entry.id).toMatch(/^usr_/);
    }
  });

  it("matches part of the username whatever its case, wildcards taken literally", async () => {
    expect((await directory(viewer, "?q=DIR-")).map((u) => u.username)).toEqual(["dir-gamma"]);
    expect(await directory(viewer, "?q=%25")).toEqual([]);
    expect((await directory(viewer, "?q=%2B")).map((u) => u.username)).toEqual(["Dir+Beta"]);
    expect((await directory(viewer, "?q=_")).map((u) => u.username)).toEqual(["dir_alpha"]);
    expect(await directory(viewer, "?q=nobody-here")).toEqual([]);
    // A blank search is no search.
    expect((await directory(viewer, "?q=%20")).length).toBe((await directory(viewer)).length);
  });

  it("answers at most `limit` users", async () => {
    expect(await directory(viewer, "?q=dir&limit=2")).toHaveLength(2);
  });

  it("leaves disabled users out", async () => {
    const created = await gw.admin.post("/api/users", { username: "dir-leaver", roles: ["support"] });
    const id = created.json<{ user: { id: string } }>().user.id;
    expect((await directory(viewer, "?q=leaver")).map((u) => u.id)).toEqual([id]);
    expect((await gw.admin.patch(`/api/users/${id}`, { disabled: true })).statusCode).toBe(200);
    expect(await directory(viewer, "?q=leaver")).toEqual([]);
  });
});

describe("GET /api/users/directory (error)", () => {
  it.each([
    ["?limit=0", "limit"],
    ["?limit=501", "limit"],
    ["?limit=ten", "limit"],
    [`?q=${"x".repeat(101)}`, "q"],
    ["?role=sales", ""],
  ])("refuses %s as validation_failed naming the field, with a request id", async (query, field) => {
    const response = await viewer.get(`/api/users/directory${query}`);
    expect(response.statusCode).toBe(400);
    const body = response.json<ErrorResponse>();
    expect(body).toMatchObject({ code: "validation_failed", message: expect.any(String) });
    expect(body.requestId).toMatch(/^req_/);
    if (field) expect(body.details?.issues?.map((i) => i.path)).toContain(field);
    else expect(JSON.stringify(body.details)).toContain("role");
  });
});

describe("GET /api/users/directory (security)", () => {
  it("is for whoever reads licenses: every role that may, not the auditor, not anonymous", async () => {
    for (const role of ["sales", "support", "license-admin", "superadmin"]) {
      const user = await gw.userWith([role]);
      expect((await user.get("/api/users/directory")).statusCode, role).toBe(200);
      // …which is not user management.
      const management = await user.get("/api/users");
      expect(management.statusCode, role).toBe(role === "superadmin" ? 200 : 403);
    }
    const auditor = await gw.userWith(["auditor"]);
    const refused = await auditor.get("/api/users/directory");
    expect([refused.statusCode, refused.json<ErrorResponse>().code]).toEqual([403, "forbidden"]);
    const anonymous = await new Browser(gw.app).get("/api/users/directory");
    expect([anonymous.statusCode, anonymous.json<ErrorResponse>().code]).toEqual([401, "unauthorized"]);
  });
});
