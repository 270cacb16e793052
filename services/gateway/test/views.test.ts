import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_VIEWS_PER_TABLE } from "../src/routes/views.ts";
import { Browser, type ErrorResponse, type GatewayUnderTest, startGateway } from "./gateway-harness.ts";

// Saved views: each operator's named filter sets of the licenses and accounts tables.
let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.stop());

interface View {
  id: string;
  table: string;
  name: string;
  query: string;
  createdAt: string;
}
const listed = async (who: Browser, table = "licenses") =>
  (await who.get(`/api/views?table=${table}`)).json<{ items: View[] }>().items;
const issuesOf = (response: { json<T>(): T }) =>
  response.json<ErrorResponse>().details?.issues?.map((i) => i.path);

describe("saved views (happy path)", () => {
  it("saves, lists by name and deletes a user's views, per table", async () => {
    const sales = await gw.userWith(["sales"]);
    const saved = await sales.post("/api/views", {
      table: "licenses",
      name: "  Expiring collectors ",
      query: "?status=expiring&product=collector",
    });
    expect(saved.statusCode).toBe(201);
    expect(saved.json<View>()).toMatchObject({
      id: expect.stringMatching(/^view_/),
      table: "licenses",
      name: "Expiring collectors",
      query: "status=expiring&product=collector",
    });
    await sales.post("/api/views", { table: "licenses", name: "all test", query: "kind=test" });
    await sales.post("/api/views", { table: "accounts", name: "Prospects", query: "type=prospect" });
    expect((await listed(sales)).map((v) => v.name)).toEqual(["all test", "Expiring collectors"]);
    expect((await listed(sales, "accounts")).map((v) => v.name)).toEqual(["Prospects"]);

    const removed = await sales.delete(`/api/views/${saved.json<View>().id}`);
    expect(removed.statusCode).toBe(204);
    expect((await listed(sales)).map((v) => v.name)).toEqual(["all test"]);
  });
});

describe("saved views (errors)", () => {
  it("refuses a name taken in any case (409), a bad name or table (400), and too many views (409)", async () => {
    const support = await gw.userWith(["support"]);
    expect(
      (await support.post("/api/views", { table: "licenses", name: "Mine", query: "" })).statusCode,
    ).toBe(201);
    const twice = await support.post("/api/views", { table: "licenses", name: "MINE", query: "kind=test" });
    expect([twice.statusCode, twice.json().code]).toEqual([409, "already_exists"]);
    // The same name in the other table is another view.
    expect(
      (await support.post("/api/views", { table: "accounts", name: "Mine", query: "" })).statusCode,
    ).toBe(201);

    for (const [body, path] of [
      [{ table: "licenses", name: "", query: "" }, "name"],
      [{ table: "licenses", name: "   ", query: "" }, "name"],
      [{ table: "licenses", name: "x".repeat(81), query: "" }, "name"],
      [{ table: "licenses", name: "nul\u0000here", query: "" }, "name"],
      [{ table: "licenses", name: "lone \ud800 half", query: "" }, "name"],
      [{ table: "licenses", name: "ok", query: "a=\u0000" }, "query"],
      [{ table: "licenses", name: "ok", query: "q".repeat(2_001) }, "query"],
      [{ table: "users", name: "ok", query: "" }, "table"],
      [{ table: "licenses", name: "ok", query: "", extra: 1 }, ""],
    ] as const) {
      const response = await support.post("/api/views", body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      if (path) expect(issuesOf(response), JSON.stringify(body)).toContain(path);
    }
    expect((await support.get("/api/views?table=nope")).statusCode).toBe(400);
    expect((await support.delete("/api/views/not-an-id")).statusCode).toBe(400);

    for (let i = (await listed(support)).length; i < MAX_VIEWS_PER_TABLE; i += 1)
      expect(
        (await support.post("/api/views", { table: "licenses", name: `view ${i}`, query: "" })).statusCode,
      ).toBe(201);
    const over = await support.post("/api/views", { table: "licenses", name: "one more", query: "" });
    expect([over.statusCode, over.json().code]).toEqual([409, "conflict"]);
    expect(over.json().message).toContain(`${MAX_VIEWS_PER_TABLE} saved views`);
  });
});

describe("saved views (security)", () => {
  it("keeps each user's views their own, and needs a session", async () => {
    const owner = await gw.userWith(["viewer"]);
    const other = await gw.userWith(["license-admin"]);
    const view = (
      await owner.post("/api/views", { table: "licenses", name: "Private", query: "kind=test" })
    ).json<View>();
    expect(await listed(other)).toEqual([]);
    expect((await other.delete(`/api/views/${view.id}`)).statusCode).toBe(404);
    expect((await listed(owner)).map((v) => v.id)).toEqual([view.id]);
    const anonymous = new Browser(gw.app);
    expect((await anonymous.get("/api/views?table=licenses")).statusCode).toBe(401);
  });
});
