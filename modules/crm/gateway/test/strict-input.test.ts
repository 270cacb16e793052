import type { Account, IssuedLicense } from "@licensing/contracts";
import { type ErrorResponse, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Strict input on the CRM routes: a member a route does not know, in a body at any depth or in a
// query string, is 400 validation_failed naming it. A typo no longer silently takes a default.
let gw: GatewayUnderTest;
let account: Account;
let licenseId: string;
beforeAll(async () => {
  gw = await startGateway({ issuer: true, activateCrm: true });
  await gw.admin.post("/api/products", {
    code: "collector",
    name: "Collector",
    defaults: { availableActivations: 1 },
  });
  account = (await gw.admin.post("/api/accounts", { type: "customer", name: "Initech" })).json<Account>();
  const created = await gw.admin.post("/api/licenses", { accountId: account.id, products: ["collector"] });
  licenseId = created.json<{ licenses: IssuedLicense[] }>().licenses[0]!.license.id;
});
afterAll(() => gw?.stop());

const issues = (response: { json<T>(): T }) => response.json<ErrorResponse>().details?.issues;
const count = async (url: string) => (await gw.admin.get(url)).json<{ items: unknown[] }>().items.length;

describe("unknown members in a body", () => {
  it("refuse a license whose parameters hold a typo, instead of creating it with the default", async () => {
    const before = await count("/api/licenses?limit=500");
    const response = await gw.admin.post("/api/licenses", {
      accountId: account.id,
      products: ["collector"],
      availableActivation: 3,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorResponse>()).toMatchObject({
      code: "validation_failed",
      message: "Invalid body: availableActivation: unknown member (did you mean availableActivations?)",
      details: {
        issues: [
          { path: "availableActivation", message: "unknown member (did you mean availableActivations?)" },
        ],
      },
    });
    expect(await count("/api/licenses?limit=500")).toBe(before);
  });

  it("are named at any depth, on every kind of request", async () => {
    const cases: [method: "POST" | "PATCH" | "PUT", url: string, body: unknown, path: string][] = [
      [
        "POST",
        "/api/licenses",
        {
          accountId: account.id,
          products: ["collector"],
          friendlyRestrictions: [{ key: "site", value: "Paris", vaule: "x" }],
        },
        "friendlyRestrictions.0.vaule",
      ],
      [
        "POST",
        "/api/accounts",
        { type: "customer", name: "Acme", contacts: [{ name: "W", email: "w@acme.test", phone: "1" }] },
        "contacts.0.phone",
      ],
      ["PATCH", `/api/accounts/${account.id}`, { id: account.id, name: "Initech 2" }, "id"],
      ["POST", "/api/products", { code: "scanner", name: "Scanner", defaults: { seat: 2 } }, "defaults.seat"],
      [
        "POST",
        "/api/products",
        { code: "scanner", name: "Scanner", executionModes: [{ code: "fast", name: "Fast", label: "F" }] },
        "executionModes.0.label",
      ],
      ["PATCH", "/api/products/collector", { nmae: "Collector 2" }, "nmae"],
      [
        "POST",
        "/api/presets",
        { name: "Trial", parameters: { products: ["collector"], seat: 2 } },
        "parameters.seat",
      ],
      ["POST", `/api/licenses/${licenseId}/renew`, { extendDays: 30, reasons: "paid" }, "reasons"],
      ["POST", `/api/licenses/${licenseId}/suspend`, { reason: "unpaid", notify: true }, "notify"],
      ["POST", "/api/accounts/import", { csv: "Account ID,Account Name,Type\n", preview: true }, "preview"],
      ["POST", `/api/accounts/${account.id}/archive`, { force: true }, "force"],
      ["POST", `/api/licenses/${licenseId}/reveal-key`, { audit: false }, "audit"],
      ["PUT", "/api/notifications/settings", { smtp: { hots: "mail.example.com" } }, "smtp.hots"],
    ];
    const before = {
      accounts: (await gw.admin.get("/api/accounts?includeArchived=true&limit=500")).json(),
      products: (await gw.admin.get("/api/products")).json(),
      presets: await count("/api/presets"),
      license: (await gw.admin.get(`/api/licenses/${licenseId}`)).json(),
    };
    for (const [method, url, body, path] of cases) {
      const response = await gw.admin.request(method, url, body);
      expect({ url, path, status: response.statusCode }).toEqual({ url, path, status: 400 });
      expect({ url, issues: issues(response) }).toEqual({
        url,
        issues: [{ path, message: expect.stringMatching(/^unknown member/) }],
      });
    }
    expect({
      accounts: (await gw.admin.get("/api/accounts?includeArchived=true&limit=500")).json(),
      products: (await gw.admin.get("/api/products")).json(),
      presets: await count("/api/presets"),
      license: (await gw.admin.get(`/api/licenses/${licenseId}`)).json(),
    }).toEqual(before);
  });
});

describe("unknown members in a query string", () => {
  it("are refused on the routes that take one, and on those that take none", async () => {
    const cases: [url: string, path: string, message: string][] = [
      ["/api/licenses?stauts=active", "stauts", "unknown member (did you mean status?)"],
      ["/api/licenses/export.csv?limit=10", "limit", "unknown member"],
      ["/api/accounts?q=initech", "q", "unknown member"],
      ["/api/usage/summary?day=7", "day", "unknown member (did you mean days?)"],
      [
        "/api/usage/report?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&acountId=acc_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "acountId",
        "unknown member (did you mean accountId?)",
      ],
      [
        "/api/usage/cockpits?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&bucket=day",
        "bucket",
        "unknown member",
      ],
      ["/api/products?include=all", "include", "unknown member (this route takes none)"],
      ["/api/dashboard?refresh=1", "refresh", "unknown member (this route takes none)"],
      [`/api/licenses/${licenseId}?expand=versions`, "expand", "unknown member (this route takes none)"],
    ];
    for (const [url, path, message] of cases) {
      const response = await gw.admin.get(url);
      expect({ url, status: response.statusCode }).toEqual({ url, status: 400 });
      expect(response.json<ErrorResponse>().message).toMatch(/^Invalid query string: /);
      expect({ url, issues: issues(response) }).toEqual({ url, issues: [{ path, message }] });
    }
  });

  it("leave the known ones working", async () => {
    expect((await gw.admin.get("/api/licenses?status=active&sort=endDate&limit=5")).statusCode).toBe(200);
    expect((await gw.admin.get("/api/accounts?query=initech&includeArchived=true")).statusCode).toBe(200);
  });
});
