import type { Account, IssuedLicense } from "@licensing/contracts";
import { type ErrorResponse, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The text rule end to end (browser → gateway → NATS → catalog and issuer → PostgreSQL): a NUL or a
// lone UTF-16 surrogate in any field is 400 validation_failed naming the field. Never a 500 (what
// PostgreSQL's "invalid byte sequence" and the canonical form's ModelError gave), never U+FFFD stored.
let gw: GatewayUnderTest;
let account: Account;
let licenseId: string;
beforeAll(async () => {
  gw = await startGateway({ issuer: true, activateCrm: true });
  await gw.admin.post("/api/products", { code: "collector", name: "Collector" });
  account = (await gw.admin.post("/api/accounts", { type: "customer", name: "Initech" })).json<Account>();
  const created = await gw.admin.post("/api/licenses", { accountId: account.id, products: ["collector"] });
  licenseId = created.json<{ licenses: IssuedLicense[] }>().licenses[0]!.license.id;
  await gw.admin.post("/api/presets", { name: "Trial", parameters: { products: ["collector"] } });
});
afterAll(() => gw?.stop());

/** Everything the cases below could have written, as the API lists it. */
async function stored() {
  const items = async (url: string) => (await gw.admin.get(url)).json<{ items: unknown[] }>().items;
  return {
    accounts: await items("/api/accounts?includeArchived=true&limit=500"),
    products: await items("/api/products"),
    presets: await items("/api/presets"),
    licenses: await items("/api/licenses?limit=500"),
    versions: await items(`/api/licenses/${licenseId}/versions`),
    license: (await gw.admin.get(`/api/licenses/${licenseId}`)).json(),
  };
}

const kinds = [
  { name: "a NUL", bad: "\u0000", message: "must not contain a NUL character (U+0000)" },
  { name: "a lone surrogate", bad: "\ud800", message: "must not contain a lone UTF-16 surrogate (U+D800)" },
] as const;

type Case = [
  label: string,
  method: "POST" | "PATCH" | "PUT",
  url: () => string,
  body: (bad: string) => unknown,
  path: string,
];

const cases: Case[] = [
  ["account name", "POST", () => "/api/accounts", (x) => ({ type: "customer", name: `Acme${x}` }), "name"],
  [
    "account notes",
    "POST",
    () => "/api/accounts",
    (x) => ({ type: "customer", name: "Acme", notes: `n${x}` }),
    "notes",
  ],
  [
    "account external id",
    "POST",
    () => "/api/accounts",
    (x) => ({ type: "customer", name: "Acme", externalId: `CRM-${x}` }),
    "externalId",
  ],
  [
    "account contact",
    "POST",
    () => "/api/accounts",
    (x) => ({ type: "customer", name: "Acme", contacts: [{ name: `W${x}`, email: "w@acme.test" }] }),
    "contacts.0.name",
  ],
  ["account name (edit)", "PATCH", () => `/api/accounts/${account.id}`, (x) => ({ name: `I${x}` }), "name"],
  ["account notes (edit)", "PATCH", () => `/api/accounts/${account.id}`, (x) => ({ notes: x }), "notes"],
  ["product name", "POST", () => "/api/products", (x) => ({ code: "scanner", name: `S${x}` }), "name"],
  [
    "product mode name",
    "POST",
    () => "/api/products",
    (x) => ({ code: "scanner", name: "Scanner", executionModes: [{ code: "fast", name: `F${x}` }] }),
    "executionModes.0.name",
  ],
  [
    "preset name",
    "POST",
    () => "/api/presets",
    (x) => ({ name: `P${x}`, parameters: { products: ["collector"] } }),
    "name",
  ],
  [
    "preset parameter",
    "POST",
    () => "/api/presets",
    (x) => ({ name: "P2", parameters: { products: ["collector"], metadata: { po: x } } }),
    "parameters.metadata.po",
  ],
  ...licenseCases(),
  [
    "renew reason",
    "POST",
    () => `/api/licenses/${licenseId}/renew`,
    (x) => ({ extendDays: 1, reason: `r${x}` }),
    "reason",
  ],
  [
    "reissue reason",
    "POST",
    () => `/api/licenses/${licenseId}/reissue`,
    (x) => ({ reason: `r${x}` }),
    "reason",
  ],
  [
    "suspend reason",
    "POST",
    () => `/api/licenses/${licenseId}/suspend`,
    (x) => ({ reason: `unpaid${x}` }),
    "reason",
  ],
  [
    "revoke reason",
    "POST",
    () => `/api/licenses/${licenseId}/revoke`,
    (x) => ({ reason: `ended${x}` }),
    "reason",
  ],
  [
    "renew idempotency key",
    "POST",
    () => `/api/licenses/${licenseId}/renew`,
    (x) => ({ extendDays: 1, idempotencyKey: `renew-key-${x}` }),
    "idempotencyKey",
  ],
  [
    "quick-generate idempotency key",
    "POST",
    () => "/api/licenses/quick-generate",
    (x) => ({
      presetId: "pre_01ARZ3NDEKTSV4RRFFQ69G5FAV",
      accountId: account.id,
      idempotencyKey: `quick-${x}`,
    }),
    "idempotencyKey",
  ],
  [
    "CSV import cell",
    "POST",
    () => "/api/accounts/import",
    (x) => ({ csv: `Account ID,Account Name,Type\nCRM-1,Acme${x},customer\n` }),
    "csv",
  ],
  [
    "CSV import cell (preview)",
    "POST",
    () => "/api/accounts/import",
    (x) => ({ csv: `Account ID,Account Name,Type\nCRM-${x},Acme,customer\n`, dryRun: true }),
    "csv",
  ],
  [
    "machine deactivation reason",
    "POST",
    () => `/api/licenses/${licenseId}/machines/act_01ARZ3NDEKTSV4RRFFQ69G5FAV/deactivate`,
    (x) => ({ reason: x }),
    "reason",
  ],
  [
    "digest sender name",
    "PUT",
    () => "/api/notifications/settings",
    (x) => ({ fromName: `Ops${x}` }),
    "fromName",
  ],
];

function licenseCases(): Case[] {
  const create = (extra: (x: string) => Record<string, unknown>) => (x: string) => ({
    accountId: account.id,
    products: ["collector"],
    ...extra(x),
  });
  return [
    [
      "license fingerprint",
      "POST",
      () => "/api/licenses",
      create((x) => ({ fingerprint: `fp-${x}` })),
      "fingerprint",
    ],
    [
      "license metadata value",
      "POST",
      () => "/api/licenses",
      create((x) => ({ metadata: { foo: `v${x}` } })),
      "metadata.foo",
    ],
    [
      "license friendly restriction",
      "POST",
      () => "/api/licenses",
      create((x) => ({ friendlyRestrictions: [{ key: "site", value: `Paris${x}` }] })),
      "friendlyRestrictions.0.value",
    ],
    [
      "license friendly restriction key",
      "POST",
      () => "/api/licenses",
      create((x) => ({
        friendlyRestrictions: [
          { key: "site", value: "ok" },
          { key: `k${x}`, value: "v" },
        ],
      })),
      "friendlyRestrictions.1.key",
    ],
    [
      "license idempotency key",
      "POST",
      () => "/api/licenses",
      create((x) => ({ idempotencyKey: `create-key-${x}` })),
      "idempotencyKey",
    ],
  ];
}

describe.each(kinds)("$name", ({ bad, message }) => {
  it("is 400 validation_failed naming the field, in every field, and nothing is stored", async () => {
    const before = await stored();
    for (const [label, method, url, body, path] of cases) {
      const response = await gw.admin.request(method, url(), body(bad));
      expect({ label, status: response.statusCode }).toEqual({ label, status: 400 });
      const error = response.json<ErrorResponse>();
      expect({ label, code: error.code, issues: error.details?.issues }).toEqual({
        label,
        code: "validation_failed",
        issues: [{ path, message: expect.stringContaining(message) }],
      });
    }
    expect(await stored()).toEqual(before);
  });

  it("is 400 in a metadata key, named with the character escaped", async () => {
    const response = await gw.admin.post("/api/licenses", {
      accountId: account.id,
      products: ["collector"],
      metadata: { [`fo${bad}o`]: "bar" },
    });
    expect(response.statusCode).toBe(400);
    const escaped = `\\u${bad.charCodeAt(0).toString(16).padStart(4, "0")}`;
    expect(response.json<ErrorResponse>().details?.issues).toEqual([
      { path: `metadata.fo${escaped}o`, message: `member name ${message}` },
    ]);
  });
});

describe("list filters", () => {
  it("refuse a NUL in ?text= and ?createdBy= naming the filter (a URL cannot carry a lone surrogate)", async () => {
    for (const filter of ["text", "createdBy"]) {
      for (const url of [`/api/licenses?${filter}=a%00b`, `/api/licenses/export.csv?${filter}=%00`]) {
        const response = await gw.admin.get(url);
        expect(response.statusCode).toBe(400);
        expect(response.json<ErrorResponse>().details?.issues).toEqual([
          { path: filter, message: "must not contain a NUL character (U+0000)" },
        ]);
      }
    }
    const search = await gw.admin.get("/api/accounts?query=Ini%00tech");
    expect(search.statusCode).toBe(400);
    expect(search.json<ErrorResponse>().details?.issues?.[0]?.path).toBe("query");
  });

  it("read the bytes of a broken percent-escape as they are, never as U+FFFD", async () => {
    const response = await gw.admin.get("/api/licenses?text=%ED%A0%80");
    expect(response.statusCode).toBe(200);
  });
});

describe("the CSV import", () => {
  it("says on which line and column of the CSV text the character is", async () => {
    const csv = "Account ID,Account Name,Type\nCRM-1,Acme,customer\nCRM-2,Ini\u0000tech,customer\n";
    const response = await gw.admin.post("/api/accounts/import", { csv });
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorResponse>().message).toBe(
      "Invalid body: csv: must not contain a NUL character (U+0000): line 3, column 10",
    );
  });
});
