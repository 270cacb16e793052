import type { Account, IssuedLicense, LicenseDetail, LicenseSummary } from "@licensing/contracts";
import {
  adminCredentials,
  Browser,
  type ErrorResponse,
  type GatewayUnderTest,
  startGateway,
} from "@licensing/gateway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The license routes end to end: browser → gateway → NATS → real catalog and issuer → PostgreSQL.
let gw: GatewayUnderTest;
let account: Account;
beforeAll(async () => {
  gw = await startGateway({ issuer: true, activateCrm: true });
  await gw.admin.post("/api/products", {
    code: "collector",
    name: "Collector",
    executionModes: [{ code: "scanning", name: "Scanning" }],
    customFeatures: [{ code: "csharp", name: "C#" }],
    defaults: { durationDays: 365, availableActivations: 3, executionModes: ["scanning"] },
  });
  account = (await gw.admin.post("/api/accounts", { type: "customer", name: "Initech" })).json<Account>();
});
afterAll(() => gw?.stop());

const create = (body: Record<string, unknown>, who = gw.admin) =>
  who.post("/api/licenses", { accountId: account.id, products: ["collector"], ...body });
const issued = (response: { json<T>(): T }) => response.json<{ licenses: IssuedLicense[] }>().licenses;

describe("licenses (happy path)", () => {
  it("creates a license with the product's defaults and answers the key and the file once", async () => {
    const response = await create({ kind: "commercial", seats: 5, metadata: { po: "PO-1" } });
    expect(response.statusCode).toBe(201);
    const [first] = issued(response);
    expect(first!.licenseKey).toMatch(/^LK-/);
    expect(first!.file).toContain("-----BEGIN LICENSE FILE-----");
    expect(first!.license).toMatchObject({
      accountName: "Initech",
      kind: "commercial",
      seats: 5,
      availableActivations: 3,
      executionModes: ["scanning"],
      metadata: { po: "PO-1" },
      status: "active",
    });
    const id = first!.license.id;
    expect((await gw.admin.get(`/api/licenses/${id}`)).json<LicenseDetail>().id).toBe(id);
    const revealed = await gw.admin.post(`/api/licenses/${id}/reveal-key`);
    expect(revealed.json()).toEqual({ licenseKey: first!.licenseKey });
    const audit = (await gw.admin.get(`/api/licenses/${id}/audit`)).json().items;
    expect(audit.map((a: { action: string }) => a.action)).toContain("license.key-revealed");
  });

  it("creates a batch once per idempotency key", async () => {
    const body = { kind: "test", count: 3, idempotencyKey: "gateway-batch-1" };
    const [one, two] = await Promise.all([create(body), create(body)]);
    expect(issued(one).map((l) => l.license.id)).toEqual(issued(two).map((l) => l.license.id));
    expect(issued(one)).toHaveLength(3);
  });

  it("downloads the current file and each version's, renews, suspends, reinstates and revokes", async () => {
    const [license] = issued(await create({ kind: "commercial" }));
    const id = license!.license.id;
    const file = await gw.admin.get(`/api/licenses/${id}/file`);
    expect(file.statusCode).toBe(200);
    expect(file.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(file.headers["content-disposition"]).toBe(`attachment; filename="license-${id}-v1.lic"`);
    expect(file.body).toBe(license!.file);

    const renewed = await gw.admin.post(`/api/licenses/${id}/renew`, { extendDays: 30, reason: "paid" });
    expect(renewed.json<LicenseDetail>().serial).toBe(2);
    const versions = (await gw.admin.get(`/api/licenses/${id}/versions`)).json().items;
    expect(versions.map((v: { serial: number; reason: string }) => [v.serial, v.reason])).toEqual([
      [2, "renewed"],
      [1, "issued"],
    ]);
    expect((await gw.admin.get(`/api/licenses/${id}/versions/1/file`)).body).toBe(license!.file);
    const current = await gw.admin.get(`/api/licenses/${id}/file`);
    expect(current.headers["content-disposition"]).toContain("-v2.lic");
    expect(current.body).not.toBe(license!.file);

    expect((await gw.admin.post(`/api/licenses/${id}/reissue`, {})).json().serial).toBe(3);
    const suspended = await gw.admin.post(`/api/licenses/${id}/suspend`, { reason: "unpaid invoice" });
    expect(suspended.json()).toMatchObject({ status: "suspended", stateReason: "unpaid invoice" });
    expect((await gw.admin.post(`/api/licenses/${id}/reinstate`, {})).json().status).toBe("active");
    expect(
      (await gw.admin.post(`/api/licenses/${id}/revoke`, { reason: "contract ended" })).json().status,
    ).toBe("revoked");
    const actions = (await gw.admin.get(`/api/licenses/${id}/audit`))
      .json()
      .items.map((a: { action: string }) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["license.renewed", "license.revoked"]));
  });

  it("records the client's address as ownerIpAddress and createdAtComputer, unless the body says", async () => {
    const [made] = issued(await create({ kind: "test" }));
    expect(made!.license).toMatchObject({ ownerIpAddress: "127.0.0.1", createdAtComputer: "127.0.0.1" });
    const given = issued(
      await create({
        kind: "test",
        count: 2,
        ownerIpAddress: "2001:db8::7",
        createdAtComputer: "SALES-PC-07",
      }),
    );
    for (const l of given)
      expect(l.license).toMatchObject({ ownerIpAddress: "2001:db8::7", createdAtComputer: "SALES-PC-07" });
    const wrong = await create({ ownerIpAddress: "not-an-address" });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json<ErrorResponse>().details?.issues?.map((i) => i.path)).toEqual(["ownerIpAddress"]);
    // Shown again on the license, and kept by a renewal.
    const id = made!.license.id;
    await gw.admin.post(`/api/licenses/${id}/renew`, { extendDays: 10 });
    expect((await gw.admin.get(`/api/licenses/${id}`)).json<LicenseDetail>()).toMatchObject({
      serial: 2,
      ownerIpAddress: "127.0.0.1",
      createdAtComputer: "127.0.0.1",
    });
  });

  it("takes the forwarded client address only behind a trusted proxy, for presets too", async () => {
    const preset = (
      await gw.admin.post("/api/presets", {
        name: "Origin test",
        parameters: { products: ["collector"], kind: "test" },
      })
    ).json<{ id: string }>();
    const forwarded = { "x-forwarded-for": "203.0.113.9" };
    const direct = await gw.admin.post(
      "/api/licenses/quick-generate",
      { presetId: preset.id, accountId: account.id },
      forwarded,
    );
    expect(issued(direct)[0]!.license.ownerIpAddress).toBe("127.0.0.1");
    const proxied = await gw.startAnother({ trustProxy: true });
    const behindProxy = new Browser(proxied.app);
    await behindProxy.signIn(adminCredentials.username, adminCredentials.password);
    const quick = await behindProxy.post(
      "/api/licenses/quick-generate",
      { presetId: preset.id, accountId: account.id },
      forwarded,
    );
    expect(issued(quick)[0]!.license).toMatchObject({
      ownerIpAddress: "203.0.113.9",
      createdAtComputer: "203.0.113.9",
      presetId: preset.id,
    });
    const made = await behindProxy.post(
      "/api/licenses",
      { accountId: account.id, products: ["collector"], kind: "test" },
      forwarded,
    );
    expect(issued(made)[0]!.license.ownerIpAddress).toBe("203.0.113.9");
  });

  it("lists with filters from the query string, sorts and pages with the cursor", async () => {
    const other = (await gw.admin.post("/api/accounts", { type: "prospect", name: "Hooli" })).json<Account>();
    await gw.admin.post("/api/licenses", {
      accountId: other.id,
      products: ["collector"],
      kind: "test",
      count: 3,
    });
    const page1 = await gw.admin.get(`/api/licenses?accountId=${other.id}&kind=test&limit=2&sort=createdAt`);
    expect(page1.statusCode).toBe(200);
    const body1 = page1.json<{ items: LicenseSummary[]; nextCursor: string }>();
    expect(body1.items).toHaveLength(2);
    const page2 = (
      await gw.admin.get(
        `/api/licenses?accountId=${other.id}&kind=test&limit=2&sort=createdAt&cursor=${body1.nextCursor}`,
      )
    ).json<{ items: LicenseSummary[]; nextCursor: string | null }>();
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    expect(new Set([...body1.items, ...page2.items].map((l) => l.id)).size).toBe(3);

    const statuses = (await gw.admin.get("/api/licenses?status=revoked,suspended&internal=false")).json();
    expect(statuses.items.length).toBeGreaterThan(0);
    expect(statuses.items.every((l: LicenseSummary) => l.status === "revoked" && !l.internal)).toBe(true);
    const repeated = (await gw.admin.get("/api/licenses?status=revoked&status=active&text=hool")).json();
    expect(repeated.items.map((l: LicenseSummary) => l.accountName)).toEqual(["Hooli", "Hooli", "Hooli"]);
    // The count takes the same filters, without sort or page.
    const counted = await gw.admin.get(
      `/api/licenses/count?accountId=${other.id}&kind=test&status=active,expiring`,
    );
    expect([counted.statusCode, counted.json()]).toEqual([200, { count: 3, capped: false }]);
    const paged = await gw.admin.get(`/api/licenses/count?accountId=${other.id}&limit=2`);
    expect([paged.statusCode, paged.json().code]).toEqual([400, "validation_failed"]);
  });

  it("exports the filtered set as CSV across several issuer pages", async () => {
    const big = (
      await gw.admin.post("/api/accounts", { type: "customer", name: "=Umbrella" })
    ).json<Account>();
    // 1,001 rows: two of the export's issuer pages (1,000), made in batches of at most 100.
    for (const count of [...Array(10).fill(100), 1]) {
      const made = await gw.admin.post("/api/licenses", {
        accountId: big.id,
        products: ["collector"],
        kind: "test",
        count,
      });
      expect(made.statusCode).toBe(201);
    }
    const csv = await gw.admin.get(`/api/licenses/export.csv?accountId=${big.id}&sort=endDate&order=asc`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(csv.headers["content-disposition"]).toMatch(/^attachment; filename="licenses-[\d-]+\.csv"$/);
    const lines = csv.body
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\n");
    expect(lines[0]).toMatch(
      /^License id,Key \(last group\),Account id,Account,Kind,Internal,Products,Status/,
    );
    expect(lines).toHaveLength(1_002);
    expect(new Set(lines.slice(1).map((line) => line.split(",")[0])).size).toBe(1_001);
    // A name a spreadsheet would run as a formula is defused.
    expect(lines[1]).toContain(",'=Umbrella,test,false,collector,active,");
  });
});

describe("licenses (errors)", () => {
  it("names bad fields from the body, the query and the issuer", async () => {
    const body = (await create({ kind: "lifetime", seats: -5 })).json<ErrorResponse>();
    expect(body.code).toBe("validation_failed");
    expect(body.details?.issues?.map((i) => i.path).sort()).toEqual(["kind", "seats"]);
    const mode = (await create({ executionModes: ["teleport"] })).json<ErrorResponse>();
    expect(mode.details?.issues?.[0]?.path).toBe("executionModes.0");
    const query = await gw.admin.get("/api/licenses?status=sleeping&internal=maybe");
    expect(query.statusCode).toBe(400);
    const paths = query.json<ErrorResponse>().details?.issues?.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["internal"]));
    expect(paths?.some((p) => p.startsWith("status"))).toBe(true);
    expect((await gw.admin.get("/api/licenses/export.csv?sort=price")).statusCode).toBe(400);
  });

  it("pages the list by at most 500, and names the start when it leaves no room for the end", async () => {
    expect((await gw.admin.get("/api/licenses?limit=500")).statusCode).toBe(200);
    const tooMany = await gw.admin.get("/api/licenses?limit=501");
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json<ErrorResponse>().details?.issues?.map((i) => i.path)).toEqual(["limit"]);
    const late = await create({ startDate: "9999-12-31T00:00:00Z" });
    expect(late.statusCode).toBe(400);
    expect(late.json<ErrorResponse>().details?.issues?.map((i) => i.path)).toEqual(["startDate"]);
  });

  it("answers 404 for a license that does not exist, and 409 for a change its state forbids", async () => {
    const missing = "lic_01ZZZZZZZZZZZZZZZZZZZZZZZZ";
    expect((await gw.admin.get(`/api/licenses/${missing}/file`)).json().code).toBe("not_found");
    const [license] = issued(await create({ kind: "test" }));
    const id = license!.license.id;
    expect((await gw.admin.get(`/api/licenses/${id}/versions/9/file`)).statusCode).toBe(404);
    await gw.admin.post(`/api/licenses/${id}/revoke`, { reason: "test over" });
    const again = await gw.admin.post(`/api/licenses/${id}/suspend`, { reason: "too late" });
    expect([again.statusCode, again.json().code]).toEqual([409, "invalid_state"]);
  });
});

describe("licenses (security)", () => {
  it("lets the issuer refuse a kind or the internal flag the operator's roles do not allow", async () => {
    const support = await gw.userWith(["support"]);
    expect((await create({ kind: "test" }, support)).statusCode).toBe(201);
    const commercial = await create({ kind: "commercial" }, support);
    expect([commercial.statusCode, commercial.json().code]).toEqual([403, "forbidden"]);
    const sales = await gw.userWith(["sales"]);
    expect((await create({ kind: "commercial" }, sales)).statusCode).toBe(201);
    expect((await create({ kind: "test", internal: true }, sales)).statusCode).toBe(403);
    expect((await create({ kind: "test", internal: true })).statusCode).toBe(201);
  });

  it("keeps the viewer to reading: no creation, no change", async () => {
    const viewer = await gw.userWith(["viewer"]);
    const [license] = issued(await create({ kind: "test" }));
    const id = license!.license.id;
    expect((await viewer.get(`/api/licenses/${id}`)).statusCode).toBe(200);
    expect((await viewer.get("/api/licenses/export.csv")).statusCode).toBe(200);
    for (const [path, body] of [
      ["/api/licenses", { accountId: account.id, products: ["collector"] }],
      [`/api/licenses/${id}/renew`, { extendDays: 1 }],
      [`/api/licenses/${id}/revoke`, { reason: "because" }],
      ["/api/presets", { name: "x", parameters: { products: ["collector"] } }],
    ] as const)
      expect((await viewer.post(path, body)).statusCode, path).toBe(403);
  });

  it("lets a role reveal keys and download signed files only with license.reveal, which viewers lack", async () => {
    const [license] = issued(await create({ kind: "test" }));
    const id = license!.license.id;
    const secrets = [
      ["POST", `/api/licenses/${id}/reveal-key`],
      ["GET", `/api/licenses/${id}/file`],
      ["GET", `/api/licenses/${id}/versions/1/file`],
    ] as const;
    const viewer = await gw.userWith(["viewer"]);
    expect((await viewer.get(`/api/licenses/${id}`)).statusCode).toBe(200);
    for (const [method, path] of secrets) {
      const refused = await viewer.request(method, path);
      expect([refused.statusCode, refused.json<ErrorResponse>().code], path).toEqual([403, "forbidden"]);
    }
    const licenseAdmin = await gw.userWith(["license-admin"]);
    expect((await licenseAdmin.post(`/api/licenses/${id}/reveal-key`)).json()).toEqual({
      licenseKey: license!.licenseKey,
    });
    expect((await licenseAdmin.get(`/api/licenses/${id}/file`)).body).toBe(license!.file);
    expect((await licenseAdmin.get(`/api/licenses/${id}/versions/1/file`)).statusCode).toBe(200);
    // A custom role holding it reveals too: the gateway's check and the issuer's (which reads the
    // actions the gateway resolved and signed into the actor) agree.
    const defined = await gw.admin.post("/api/roles", {
      name: "key-keeper",
      description: "Reads licenses and hands out their keys",
      actions: ["license.read", "license.reveal"],
    });
    expect(defined.statusCode).toBe(201);
    const keeper = await gw.userWith(["key-keeper"]);
    expect((await keeper.post(`/api/licenses/${id}/reveal-key`)).statusCode).toBe(200);
    expect((await keeper.get(`/api/licenses/${id}/file`)).statusCode).toBe(200);
    expect((await create({ kind: "test" }, keeper)).statusCode).toBe(403);
    const audit = (await gw.admin.get(`/api/licenses/${id}/audit`)).json().items;
    const reveals = audit.filter((a: { action: string }) => a.action === "license.key-revealed");
    expect(reveals.map((a: { actorName: string }) => a.actorName).sort()).toEqual(
      [licenseAdmin.username, keeper.username].sort(),
    );
  });
});

describe("licenses (amend)", () => {
  it("amends a license into a new signed version, in its versions and audit trail", async () => {
    const [license] = issued(await create({ kind: "commercial", metadata: { po: "PO-1" } }));
    const id = license!.license.id;
    const response = await gw.admin.post(`/api/licenses/${id}/amend`, {
      availableActivations: 7,
      metadata: { po: "PO-2" },
      reason: "two more seats bought",
      idempotencyKey: "gw-amend-0001",
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<LicenseDetail>()).toMatchObject({
      serial: 2,
      availableActivations: 7,
      metadata: { po: "PO-2" },
    });
    const again = await gw.admin.post(`/api/licenses/${id}/amend`, {
      availableActivations: 7,
      metadata: { po: "PO-2" },
      reason: "two more seats bought",
      idempotencyKey: "gw-amend-0001",
    });
    expect(again.json<LicenseDetail>().serial).toBe(2);
    const versions = (await gw.admin.get(`/api/licenses/${id}/versions`)).json<{
      items: { serial: number; amended: boolean }[];
    }>().items;
    expect(versions.map((v) => [v.serial, v.amended])).toEqual([
      [2, true],
      [1, false],
    ]);
    const audit = (await gw.admin.get(`/api/licenses/${id}/audit`)).json<{
      items: { action: string; reason: string | null; changes: Record<string, unknown> }[];
    }>().items;
    expect(audit[0]).toMatchObject({
      action: "license.amended",
      reason: "two more seats bought",
      changes: { availableActivations: [3, 7], metadata: [{ po: "PO-1" }, { po: "PO-2" }] },
    });
  });

  it("lets license admins and sales amend, not support or viewers; the issuer checks the kind", async () => {
    const [commercial] = issued(await create({ kind: "commercial" }));
    const [internal] = issued(await create({ kind: "test", internal: true }));
    const sales = await gw.userWith(["sales"]);
    const licenseAdmin = await gw.userWith(["license-admin"]);
    const path = (l: typeof commercial) => `/api/licenses/${l!.license.id}/amend`;
    expect((await sales.post(path(commercial), { seats: 2 })).statusCode).toBe(200);
    expect((await licenseAdmin.post(path(commercial), { seats: 3 })).statusCode).toBe(200);
    for (const role of ["support", "viewer", "auditor"] as const) {
      const refused = await (await gw.userWith([role])).post(path(commercial), { seats: 4 });
      expect([refused.statusCode, refused.json().code], role).toEqual([403, "forbidden"]);
    }
    // Sales may amend, but not an internal license: creating one needs license.create.internal.
    const kind = await sales.post(path(internal), { seats: 2 });
    expect([kind.statusCode, kind.json().code]).toEqual([403, "forbidden"]);
    expect((await licenseAdmin.post(path(internal), { seats: 2 })).statusCode).toBe(200);
  });

  it("answers 404 for an unknown license, 400 for a bad or empty change, 409 once revoked", async () => {
    const missing = await gw.admin.post("/api/licenses/lic_01ZZZZZZZZZZZZZZZZZZZZZZZZ/amend", { seats: 2 });
    expect([missing.statusCode, missing.json().code]).toEqual([404, "not_found"]);
    const [license] = issued(await create({ kind: "test" }));
    const path = `/api/licenses/${license!.license.id}/amend`;
    const bad = await gw.admin.post(path, { kind: "commercial", availableActivations: "many" });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json<ErrorResponse>()
        .details?.issues?.map((i) => i.path)
        .sort(),
    ).toEqual(["availableActivations", "kind"]);
    const nothing = await gw.admin.post(path, { seats: license!.license.seats });
    expect([nothing.statusCode, nothing.json().code]).toEqual([400, "validation_failed"]);
    const unknown = await gw.admin.post(path, { products: ["collector", "no-such-product"] });
    expect(unknown.json<ErrorResponse>().details?.issues?.map((i) => i.path)).toEqual(["products.1"]);
    await gw.admin.post(`/api/licenses/${license!.license.id}/revoke`, { reason: "test over" });
    const revoked = await gw.admin.post(path, { seats: 9 });
    expect([revoked.statusCode, revoked.json().code]).toEqual([409, "invalid_state"]);
  });
});
