import { type Account, type BulkAccountResponse, MAX_BULK_ITEMS } from "@licensing/contracts";
import { Browser, type ErrorResponse, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// POST /api/accounts/bulk end to end: browser → gateway → NATS → real catalog → PostgreSQL.
let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway({ catalog: true, activateCrm: true });
});
afterAll(() => gw?.stop());

let made = 0;
async function accounts(count: number, type: Account["type"] = "prospect", name = "Bulk prospect") {
  const created: Account[] = [];
  for (let i = 0; i < count; i++) {
    const response = await gw.admin.post("/api/accounts", { type, name: `${name} ${++made}` });
    expect(response.statusCode).toBe(201);
    created.push(response.json<Account>());
  }
  return created;
}

let runs = 0;
const bulkId = () => `test-bulk-${++runs}-${Date.now()}`;
const bulk = (body: Record<string, unknown>, who = gw.admin) => who.post("/api/accounts/bulk", body);
const account = async (id: string) => (await gw.admin.get(`/api/accounts/${id}`)).json<Account>();

describe("bulk account actions (happy path)", () => {
  it("promotes listed prospects one by one, refusing an archived one with its reason, the rest done", async () => {
    const [a, b, c] = await accounts(3);
    await gw.admin.post(`/api/accounts/${b!.id}/archive`);
    const body = { bulkId: bulkId(), action: "promote", ids: [a!.id, b!.id, c!.id] };
    const response = await bulk(body);
    expect(response.statusCode).toBe(200);
    const result = response.json<BulkAccountResponse>();
    expect(result).toMatchObject({ action: "promote", done: 2, refused: 1, failed: 0 });
    expect(result.items.map((i) => [i.id, i.outcome, i.code, i.type])).toEqual([
      [a!.id, "done", undefined, "customer"],
      [b!.id, "refused", "account_archived", undefined],
      [c!.id, "done", undefined, "customer"],
    ]);
    expect(result.items[1]!.message).toContain("archived");
    expect((await account(a!.id)).type).toBe("customer");
    expect((await account(b!.id)).type).toBe("prospect");

    // Each promotion is in the account's own history, by the operator, as if done on its page.
    const history = (await gw.admin.get(`/api/accounts/${a!.id}/history`)).json<{
      items: { action: string }[];
    }>().items;
    expect(history.map((e) => e.action)).toContain("account.promoted");

    // The same run again (a retry after a lost answer) finds them promoted: done, and said so.
    const again = (await bulk(body)).json<BulkAccountResponse>();
    expect(again.items.map((i) => [i.outcome, i.message ?? null])).toEqual([
      ["done", "Already a customer"],
      ["refused", expect.stringContaining("archived")],
      ["done", "Already a customer"],
    ]);
    const promotions = (await gw.admin.get(`/api/accounts/${a!.id}/history`))
      .json<{ items: { action: string }[] }>()
      .items.filter((e) => e.action === "account.promoted");
    expect(promotions).toHaveLength(1);
  });

  it("promotes every account a search filter matches", async () => {
    const found = await accounts(2, "prospect", "Filterable Zebrafish");
    const result = (
      await bulk({ bulkId: bulkId(), action: "promote", filter: { query: "Filterable Zebrafish" } })
    ).json<BulkAccountResponse>();
    expect(new Set(result.items.map((i) => i.id))).toEqual(new Set(found.map((a) => a.id)));
    expect(result.done).toBe(2);
  });

  it("reports an account that does not exist as refused, not as an error of the whole request", async () => {
    const [real] = await accounts(1);
    const missing = "acc_00000000000000000000000000";
    const result = (
      await bulk({ bulkId: bulkId(), action: "promote", ids: [missing, real!.id] })
    ).json<BulkAccountResponse>();
    expect(result.items.map((i) => [i.outcome, i.code ?? null])).toEqual([
      ["refused", "not_found"],
      ["done", null],
    ]);
  });
});

describe("bulk account actions (errors)", () => {
  it("answers 400 for a bad body, naming the field", async () => {
    const [one] = await accounts(1);
    const id = one!.id;
    const cases: [Record<string, unknown>, string][] = [
      [{ bulkId: bulkId(), action: "demote", ids: [id] }, "action"],
      [{ bulkId: "short", action: "promote", ids: [id] }, "bulkId"],
      [{ bulkId: bulkId(), action: "promote" }, "ids"],
      [{ bulkId: bulkId(), action: "promote", ids: [id], filter: {} }, "ids"],
      [{ bulkId: bulkId(), action: "promote", ids: [] }, "ids"],
      [{ bulkId: bulkId(), action: "promote", ids: [id, id] }, "ids"],
      [{ bulkId: bulkId(), action: "promote", ids: ["lic_01ARZ3NDEKTSV4RRFFQ69G5FAV"] }, "ids.0"],
      [{ bulkId: bulkId(), action: "promote", ids: [id], params: {} }, "params"],
      [{ bulkId: bulkId(), action: "promote", filter: { type: "partner" } }, "filter.type"],
      [{ bulkId: bulkId(), action: "promote", filter: { colour: "red" } }, "filter.colour"],
      [{ bulkId: bulkId(), action: "promote", filter: { query: "Acme\u0000" } }, "filter.query"],
      [{ bulkId: bulkId(), action: "promote", filter: { query: "Acme\ud800" } }, "filter.query"],
      [{ bulkId: `bulk-run-\ud800`, action: "promote", ids: [id] }, "bulkId"],
    ];
    for (const [body, path] of cases) {
      const response = await bulk(body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      const error = response.json<ErrorResponse>();
      expect([error.code, typeof error.requestId]).toEqual(["validation_failed", "string"]);
      expect(
        error.details?.issues?.map((i) => i.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect((await account(id)).type).toBe("prospect");
  });

  it(`refuses more than ${MAX_BULK_ITEMS} accounts a request, listed or matched by a filter`, async () => {
    const ids = Array.from({ length: MAX_BULK_ITEMS + 1 }, (_, i) => `acc_${String(i).padStart(26, "0")}`);
    const listed = await bulk({ bulkId: bulkId(), action: "promote", ids });
    expect([listed.statusCode, listed.json<ErrorResponse>().code]).toEqual([400, "validation_failed"]);
    // The catalog's import makes the 501 prospects at once; the filter is their type.
    const rows = Array.from({ length: MAX_BULK_ITEMS + 1 }, (_, i) => `BIG-${i},Bigco ${i},prospect`);
    const imported = await gw.admin.post("/api/accounts/import", {
      csv: `Account ID,Account Name,Type\n${rows.join("\n")}\n`,
    });
    expect(imported.statusCode).toBe(200);
    const matched = await bulk({ bulkId: bulkId(), action: "promote", filter: { type: "prospect" } });
    expect([matched.statusCode, matched.json<ErrorResponse>().message]).toEqual([
      400,
      expect.stringContaining(`more than ${MAX_BULK_ITEMS}`),
    ]);
    // Nothing was promoted.
    const bigco = (await gw.admin.get("/api/accounts?query=Bigco&limit=500")).json<{ items: Account[] }>();
    expect(bigco.items.every((a) => a.type === "prospect")).toBe(true);
  });
});

describe("bulk account actions (security)", () => {
  it("needs account.write to promote, refused before any account changes", async () => {
    const [one] = await accounts(1);
    for (const role of ["viewer", "support"]) {
      const who = await gw.userWith([role]);
      const response = await bulk({ bulkId: bulkId(), action: "promote", ids: [one!.id] }, who);
      expect([response.statusCode, response.json<ErrorResponse>().code], role).toEqual([403, "forbidden"]);
    }
    expect((await account(one!.id)).type).toBe("prospect");
    const sales = await gw.userWith(["sales"]);
    const allowed = await bulk({ bulkId: bulkId(), action: "promote", ids: [one!.id] }, sales);
    expect(allowed.json<BulkAccountResponse>().done).toBe(1);
  });

  it("refuses a role without account.read at the door, and needs a session", async () => {
    const auditor = await gw.userWith(["auditor"]);
    const refused = await bulk({ bulkId: bulkId(), action: "promote", ids: [] }, auditor);
    expect([refused.statusCode, refused.json<ErrorResponse>().code]).toEqual([403, "forbidden"]);
    const anonymous = new Browser(gw.app);
    expect((await bulk({ bulkId: bulkId(), action: "promote", ids: [] }, anonymous)).statusCode).toBe(401);
  });
});
