import {
  type Account,
  type BulkLicenseResponse,
  type IssuedLicense,
  type LicenseDetail,
  MAX_BULK_ITEMS,
} from "@licensing/contracts";
import { Browser, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// POST /api/licenses/bulk end to end: browser → gateway → NATS → real issuer → PostgreSQL.
let gw: GatewayUnderTest;
let account: Account;
beforeAll(async () => {
  gw = await startGateway({ issuer: true, activateCrm: true });
  await gw.admin.post("/api/products", {
    code: "collector",
    name: "Collector",
    defaults: { durationDays: 365, availableActivations: 3 },
  });
  account = (await gw.admin.post("/api/accounts", { type: "customer", name: "Bulkco" })).json<Account>();
});
afterAll(() => gw?.stop());

async function licenses(count: number, body: Record<string, unknown> = {}): Promise<LicenseDetail[]> {
  const response = await gw.admin.post("/api/licenses", {
    accountId: account.id,
    products: ["collector"],
    kind: "commercial",
    count,
    ...body,
  });
  expect(response.statusCode).toBe(201);
  return response.json<{ licenses: IssuedLicense[] }>().licenses.map((l) => l.license);
}

let runs = 0;
const bulkId = () => `test-bulk-${++runs}-${Date.now()}`;
const bulk = (body: Record<string, unknown>, who = gw.admin) => who.post("/api/licenses/bulk", body);

describe("bulk license actions (happy path)", () => {
  it("renews listed licenses one by one, refusing a revoked one with its reason, the rest done", async () => {
    const [a, b, c] = await licenses(3);
    await gw.admin.post(`/api/licenses/${b!.id}/revoke`, { reason: "fraud found" });
    const body = {
      bulkId: bulkId(),
      action: "renew",
      ids: [a!.id, b!.id, c!.id],
      params: { extendDays: 30 },
    };
    const response = await bulk(body);
    expect(response.statusCode).toBe(200);
    const result = response.json<BulkLicenseResponse>();
    expect(result).toMatchObject({ action: "renew", done: 2, refused: 1, failed: 0 });
    expect(result.items.map((i) => [i.id, i.outcome, i.code, i.serial])).toEqual([
      [a!.id, "done", undefined, 2],
      [b!.id, "refused", "invalid_state", undefined],
      [c!.id, "done", undefined, 2],
    ]);
    expect(result.items[1]!.message).toContain("revoked");

    // The same bulk again (a retry after a lost answer) renews nothing twice.
    const again = (await bulk(body)).json<BulkLicenseResponse>();
    expect(again.items.map((i) => [i.outcome, i.serial])).toEqual([
      ["done", 2],
      ["refused", undefined],
      ["done", 2],
    ]);
    const versions = (await gw.admin.get(`/api/licenses/${a!.id}/versions`)).json().items;
    expect(versions).toHaveLength(2);
  });

  it("suspends every license a filter matches, and a repeat finds them suspended already", async () => {
    const other = (
      await gw.admin.post("/api/accounts", { type: "customer", name: "Filterco" })
    ).json<Account>();
    const made = await licenses(2, { accountId: other.id });
    const body = {
      bulkId: bulkId(),
      action: "suspend",
      filter: { accountId: other.id },
      params: { reason: "unpaid invoices" },
    };
    const result = (await bulk(body)).json<BulkLicenseResponse>();
    expect(result.done).toBe(2);
    expect(new Set(result.items.map((i) => i.id))).toEqual(new Set(made.map((l) => l.id)));
    expect(result.items.every((i) => i.status === "suspended")).toBe(true);
    const again = (await bulk(body)).json<BulkLicenseResponse>();
    expect(again.items.map((i) => [i.outcome, i.message])).toEqual([
      ["done", "Already suspended"],
      ["done", "Already suspended"],
    ]);
    const reinstated = await bulk({ ...body, bulkId: bulkId(), action: "reinstate", params: {} });
    expect(reinstated.json<BulkLicenseResponse>().done).toBe(2);
  });

  it("changes the notice days as a new signed version, refusing a window longer than the license", async () => {
    const [short] = await licenses(1, { durationDays: 10, notifyDays: 2 });
    const [long] = await licenses(1, { durationDays: 365, notifyDays: 30 });
    const result = (
      await bulk({
        bulkId: bulkId(),
        action: "notice",
        ids: [long!.id, short!.id],
        params: { notifyDays: 60 },
      })
    ).json<BulkLicenseResponse>();
    expect(result.items.map((i) => [i.outcome, i.notifyDays ?? i.code])).toEqual([
      ["done", 60],
      ["refused", "validation_failed"],
    ]);
    const trail = (await gw.admin.get(`/api/licenses/${long!.id}/audit`)).json().items;
    expect(trail.map((e: { action: string }) => e.action)).toContain("license.notice-changed");
  });
});

describe("bulk license actions (errors)", () => {
  it("answers 400 for a bad body, naming the field", async () => {
    const [license] = await licenses(1);
    const id = license!.id;
    const cases: [Record<string, unknown>, string][] = [
      [{ bulkId: bulkId(), action: "delete", ids: [id], params: {} }, "action"],
      [{ bulkId: "short", action: "renew", ids: [id], params: { extendDays: 1 } }, "bulkId"],
      [{ bulkId: bulkId(), action: "renew", params: { extendDays: 1 } }, "ids"],
      [{ bulkId: bulkId(), action: "renew", ids: [id], filter: {}, params: { extendDays: 1 } }, "ids"],
      [{ bulkId: bulkId(), action: "renew", ids: [id], params: {} }, "params.extendDays"],
      [{ bulkId: bulkId(), action: "renew", ids: [id, id], params: { extendDays: 1 } }, "ids"],
      [{ bulkId: bulkId(), action: "suspend", ids: [id], params: { reason: "" } }, "params.reason"],
      [{ bulkId: bulkId(), action: "notice", ids: ["acc_1"], params: { notifyDays: 3 } }, "ids.0"],
      [{ bulkId: bulkId(), action: "notice", ids: [id], params: { notifyDays: -1 } }, "params.notifyDays"],
    ];
    for (const [body, path] of cases) {
      const response = await bulk(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      const error = response.json();
      expect(error.code).toBe("validation_failed");
      expect(JSON.stringify(error.details?.issues ?? error), JSON.stringify(body)).toContain(path);
    }
  });

  it(`refuses more than ${MAX_BULK_ITEMS} licenses a request, listed or matched by a filter`, async () => {
    const ids = Array.from({ length: MAX_BULK_ITEMS + 1 }, (_, i) => `lic_${String(i).padStart(26, "0")}`);
    const listed = await bulk({ bulkId: bulkId(), action: "renew", ids, params: { extendDays: 1 } });
    expect([listed.statusCode, listed.json().code]).toEqual([400, "validation_failed"]);
    // The filter that matches every license made by these tests, more than the cap once enough exist.
    const big = (await gw.admin.post("/api/accounts", { type: "customer", name: "Bigco" })).json<Account>();
    for (let made = 0; made <= MAX_BULK_ITEMS; made += 100)
      await licenses(Math.min(100, MAX_BULK_ITEMS + 1 - made), { accountId: big.id, kind: "test" });
    const matched = await bulk({
      bulkId: bulkId(),
      action: "renew",
      filter: { accountId: big.id },
      params: { extendDays: 1 },
    });
    expect([matched.statusCode, matched.json().message]).toEqual([
      400,
      expect.stringContaining("more than 500"),
    ]);
    // Nothing was renewed.
    const page = (await gw.admin.get(`/api/licenses?accountId=${big.id}&limit=500`)).json();
    expect(page.items.every((l: { serial: number }) => l.serial === 1)).toBe(true);
  });

  it("reports a license that does not exist as refused, not as an error of the whole request", async () => {
    const [license] = await licenses(1);
    const missing = "lic_00000000000000000000000000";
    const result = (
      await bulk({
        bulkId: bulkId(),
        action: "renew",
        ids: [missing, license!.id],
        params: { extendDays: 1 },
      })
    ).json<BulkLicenseResponse>();
    expect(result.items.map((i) => [i.outcome, i.code ?? null])).toEqual([
      ["refused", "not_found"],
      ["done", null],
    ]);
  });
});

describe("bulk license actions (security)", () => {
  it("needs the single action's right for every action, before any license changes", async () => {
    const [license] = await licenses(1);
    const id = license!.id;
    const viewer = await gw.userWith(["viewer"]);
    const sales = await gw.userWith(["sales"]);
    const support = await gw.userWith(["support"]);
    const bodies = {
      renew: { extendDays: 1 },
      notice: { notifyDays: 5 },
      suspend: { reason: "checking" },
      reinstate: {},
    };
    // Sales may renew (and so change the notice), not suspend or reinstate; support and viewers neither.
    const allowed = { renew: ["sales"], notice: ["sales"], suspend: [], reinstate: [] } as Record<
      string,
      string[]
    >;
    for (const [action, params] of Object.entries(bodies))
      for (const [name, who] of [
        ["viewer", viewer],
        ["sales", sales],
        ["support", support],
      ] as const) {
        const response = await bulk({ bulkId: bulkId(), action, ids: [id], params }, who);
        const expected = allowed[action]!.includes(name) ? 200 : 403;
        expect(response.statusCode, `${name} ${action}`).toBe(expected);
      }
    // The refused ones changed nothing: only sales' renewal and notice change signed versions.
    expect((await gw.admin.get(`/api/licenses/${id}`)).json<LicenseDetail>()).toMatchObject({
      serial: 3,
      notifyDays: 5,
      state: "active",
    });
  });

  it("needs a session", async () => {
    const anonymous = new Browser(gw.app);
    expect(
      (await bulk({ bulkId: bulkId(), action: "renew", ids: [], params: {} }, anonymous)).statusCode,
    ).toBe(401);
  });
});
