import {
  type Account,
  type Action,
  type IssuedLicense,
  isAllowed,
  type LicenseUsage,
  roles,
  type UsageReportPage,
  type UsageSummary,
} from "@licensing/contracts";
import { Browser, type ErrorResponse, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { query } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DistributionBeside, startDistributionBeside } from "./distribution-beside.ts";

// License usage end to end: products call the distribution service's HTTP API (activations, usage,
// leases, downloads); operators read and change it through the gateway → NATS → distribution, with
// the catalog naming accounts. Catalog, issuer and distribution are real, on this file's database.
let gw: GatewayUnderTest;
let dist: DistributionBeside;
let initech: Account;
let cyberdyne: Account;
/** A collector license of Initech: 1,000 units, 3 activations; two machines, two executions. */
let collector: IssuedLicense;
/** A cockpit license of "@Cyberdyne": unlimited units, 2 fleet seats; one machine, one lease. */
let cockpit: IssuedLicense;

const day = 86_400_000;
const today = () => {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
};
const iso = (ms: number) => new Date(ms).toISOString();

async function issue(body: Record<string, unknown>): Promise<IssuedLicense> {
  const response = await gw.admin.post("/api/licenses", { kind: "commercial", ...body });
  expect(response.statusCode, response.body).toBe(201);
  const issued = response.json<{ licenses: IssuedLicense[] }>().licenses[0]!;
  await dist.knows(issued.licenseKey);
  return issued;
}

async function asProduct(license: IssuedLicense, path: string, body?: unknown, expected = [200, 201]) {
  const answer = await dist.product(body === undefined ? "GET" : "POST", path, license.licenseKey, body);
  expect(expected, `${path}: ${JSON.stringify(answer.body)}`).toContain(answer.status);
  return answer.body;
}

beforeAll(async () => {
  gw = await startGateway({ issuer: true, activateCrm: true });
  dist = await startDistributionBeside(gw);
  await gw.admin.post("/api/products", {
    code: "collector",
    name: "Collector",
    unitsTypes: [{ code: "lines", name: "Lines of code" }],
    defaults: {
      unitsType: "lines",
      accumulatedUnits: 1_000,
      unitsPerExecution: 100,
      availableActivations: 3,
    },
  });
  await gw.admin.post("/api/products", { code: "cockpit", name: "Cockpit", defaults: { seats: 2 } });
  initech = (await gw.admin.post("/api/accounts", { type: "customer", name: "Initech" })).json<Account>();
  cyberdyne = (
    await gw.admin.post("/api/accounts", { type: "customer", name: "@Cyberdyne" })
  ).json<Account>();

  collector = await issue({ accountId: initech.id, products: ["collector"] });
  for (const [fingerprint, hostname] of [
    ["machine-aaaa-0001", "build-01"],
    ["machine-bbbb-0002", "build-02"],
  ])
    await asProduct(collector, "/v1/machines", { fingerprint, hostname, platform: "linux-x64" });
  await asProduct(collector, "/v1/usage", { units: 10, idempotencyKey: "run-0001" });
  await asProduct(collector, "/v1/usage", { units: 15, idempotencyKey: "run-0002" });
  await asProduct(collector, "/v1/license");
  await dist.service.flushDownloads();

  cockpit = await issue({ accountId: cyberdyne.id, products: ["cockpit"], accumulatedUnits: -1 });
  await asProduct(cockpit, "/v1/machines", { fingerprint: "cockpit-main-01", hostname: "cockpit" });
  await asProduct(cockpit, "/v1/usage", { units: 5, idempotencyKey: "cockpit-run-1" });
  await asProduct(cockpit, "/v1/leases", { fingerprint: "collector-fleet-01", hostname: "fleet-01" });
});
afterAll(async () => {
  await dist?.stop();
  await gw?.stop();
});

const usageOf = async (license: IssuedLicense, who = gw.admin) => {
  const response = await who.get(`/api/licenses/${license.license.id}/usage`);
  expect(response.statusCode).toBe(200);
  return response.json<LicenseUsage>();
};

const range = () => `from=${iso(today() - day)}&to=${iso(today() + day)}`;

describe("usage (happy path)", () => {
  it("shows a license's machines, downloads, balance and leases", async () => {
    const viewer = await gw.userWith(["viewer"]);
    const usage = await usageOf(collector, viewer);
    expect(usage).toMatchObject({
      licenseId: collector.license.id,
      accountId: initech.id,
      timesDownloaded: 1,
      availableActivations: 3,
      activeMachines: 2,
      balance: { accumulatedUnits: 1_000, unitsConsumed: 25, unitsRemaining: 975 },
      seats: 0,
      leases: [],
    });
    expect(usage.lastDownloadedAt).not.toBeNull();
    expect(usage.balance.lastUsedAt).not.toBeNull();
    expect(usage.machines.map((m) => [m.hostname, m.platform, m.status]).sort()).toEqual([
      ["build-01", "linux-x64", "active"],
      ["build-02", "linux-x64", "active"],
    ]);

    const fleet = await usageOf(cockpit, viewer);
    expect(fleet.balance).toMatchObject({ accumulatedUnits: -1, unitsConsumed: 5, unitsRemaining: -1 });
    expect(fleet.seats).toBe(2);
    expect(fleet.leases.map((l) => [l.fingerprint, l.hostname])).toEqual([
      ["collector-fleet-01", "fleet-01"],
    ]);
  });

  it("reports units and active machines per account, product and day, with account names, paged", async () => {
    const response = await gw.admin.get(`/api/usage/report?${range()}&bucket=day`);
    expect(response.statusCode).toBe(200);
    const report = response.json<UsageReportPage & { items: { accountName: string | null }[] }>();
    const todayDate = iso(today()).slice(0, 10);
    expect(report.items).toEqual([
      {
        period: todayDate,
        accountId: initech.id,
        accountName: "Initech",
        product: "collector",
        unitsConsumed: 25,
        executions: 2,
        activeMachines: 2,
      },
      {
        period: todayDate,
        accountId: cyberdyne.id,
        accountName: "@Cyberdyne",
        product: "cockpit",
        unitsConsumed: 5,
        executions: 1,
        activeMachines: 1,
      },
    ]);
    expect(report.totals).toEqual({ unitsConsumed: 30, executions: 3, activeMachines: 3 });
    expect(report.periods).toEqual([
      { period: iso(today() - day).slice(0, 10), unitsConsumed: 0, executions: 0, activeMachines: 0 },
      { period: todayDate, unitsConsumed: 30, executions: 3, activeMachines: 3 },
    ]);

    const filtered = (
      await gw.admin.get(`/api/usage/report?${range()}&accountId=${cyberdyne.id}&product=cockpit`)
    ).json<UsageReportPage>();
    expect(filtered.items.map((r) => [r.period, r.product, r.unitsConsumed])).toEqual([[null, "cockpit", 5]]);
    expect(filtered.totals.unitsConsumed).toBe(5);

    const page1 = (await gw.admin.get(`/api/usage/report?${range()}&limit=1`)).json<UsageReportPage>();
    expect(page1.items).toHaveLength(1);
    const page2 = (
      await gw.admin.get(`/api/usage/report?${range()}&limit=1&cursor=${page1.nextCursor}`)
    ).json<UsageReportPage>();
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
    expect(page2.items[0]!.accountId).not.toBe(page1.items[0]!.accountId);
  });

  it("exports the selected report as CSV, names included and formulas defused", async () => {
    const csv = await gw.admin.get(`/api/usage/report.csv?${range()}&bucket=day`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
    const first = iso(today() - day)
      .slice(0, 10)
      .replaceAll("-", "");
    const last = iso(today()).slice(0, 10).replaceAll("-", "");
    expect(csv.headers["content-disposition"]).toBe(
      `attachment; filename="usage-${first}-${last}-by-day.csv"`,
    );
    const lines = csv.body
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\n");
    const todayDate = iso(today()).slice(0, 10);
    expect(lines).toEqual([
      "Period (UTC day),Account id,Account,Product,Product name,Units consumed,Executions,Active machines",
      `${todayDate},${initech.id},Initech,collector,Collector,25,2,2`,
      `${todayDate},${cyberdyne.id},'@Cyberdyne,cockpit,Cockpit,5,1,1`,
    ]);
    const whole = await gw.admin.get(`/api/usage/report.csv?${range()}&product=collector`);
    expect(
      whole.body
        .replace(/^\uFEFF/, "")
        .trimEnd()
        .split("\n"),
    ).toEqual([
      "Account id,Account,Product,Product name,Units consumed,Executions,Active machines",
      `${initech.id},Initech,collector,Collector,25,2,2`,
    ]);
  });

  it("gives the dashboard its figures: units per day, machines and leases held now", async () => {
    const summary = (await gw.admin.get("/api/usage/summary")).json<UsageSummary>();
    expect(summary).toMatchObject({ unitsConsumed: 30, executions: 3, activeMachines: 3, leasesHeld: 1 });
    expect(summary.daily).toHaveLength(30);
    expect(summary.daily.at(-1)).toEqual({
      day: iso(today()).slice(0, 10),
      unitsConsumed: 30,
      executions: 3,
    });
    expect((await gw.admin.get("/api/usage/summary?days=7")).json<UsageSummary>().daily).toHaveLength(7);
  });

  it("deactivates a machine and releases a lease for usage.manage, recorded with the operator", async () => {
    const admin = await gw.userWith(["license-admin"], "lena.admin");
    const [machine] = (await usageOf(collector)).machines.filter((m) => m.hostname === "build-01");
    const path = `/api/licenses/${collector.license.id}/machines/${machine!.id}/deactivate`;
    const deactivated = await admin.post(path, { reason: "Machine replaced" });
    expect(deactivated.statusCode).toBe(200);
    expect(deactivated.json()).toMatchObject({
      id: machine!.id,
      status: "deactivated",
      endReason: "operator",
    });
    // A second click answers the machine as it is.
    expect((await admin.post(path, {})).json()).toMatchObject({ status: "deactivated" });
    const after = await usageOf(collector);
    expect(after.activeMachines).toBe(1);
    expect(after.machines[0]!.status).toBe("active");
    // The product learns it at its next heartbeat, and the freed activation can be used again.
    const beat = await dist.product("POST", "/v1/machines/heartbeat", collector.licenseKey, {
      fingerprint: "machine-aaaa-0001",
    });
    expect(beat.status).toBe(404);

    const [lease] = (await usageOf(cockpit)).leases;
    const released = await admin.post(`/api/licenses/${cockpit.license.id}/leases/${lease!.id}/release`, {});
    expect(released.json()).toMatchObject({ id: lease!.id, releaseReason: "operator" });
    expect((await usageOf(cockpit)).leases).toEqual([]);

    const audit = await query<{
      action: string;
      target_id: string;
      actor_name: string;
      reason: string | null;
    }>(
      gw.orm,
      "select action, entity_id as target_id, actor_name, reason from distribution.audit_log order by at",
    );
    expect(audit).toEqual([
      {
        action: "machine.deactivated",
        target_id: machine!.id,
        actor_name: "lena.admin",
        reason: "Machine replaced",
      },
      { action: "lease.released", target_id: lease!.id, actor_name: "lena.admin", reason: null },
    ]);
  });
});

describe("usage (errors)", () => {
  it("names the bad fields of a report's selection", async () => {
    const reversed = await gw.admin.get(`/api/usage/report?from=${iso(today())}&to=${iso(today() - day)}`);
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json<ErrorResponse>().details?.issues?.map((i) => i.path)).toEqual(["to"]);
    const tooMany = await gw.admin.get(
      "/api/usage/report?from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=day",
    );
    expect(tooMany.json<ErrorResponse>().details?.issues?.map((i) => i.path)).toEqual(["bucket"]);
    const bad = await gw.admin.get("/api/usage/report?from=yesterday&bucket=hour&limit=0&accountId=nope");
    expect(
      bad
        .json<ErrorResponse>()
        .details?.issues?.map((i) => i.path)
        .sort(),
    ).toEqual(["accountId", "bucket", "from", "limit", "to"]);
    expect((await gw.admin.get("/api/usage/report.csv?from=yesterday")).statusCode).toBe(400);
    expect((await gw.admin.get("/api/usage/summary?days=400")).statusCode).toBe(400);
  });

  it("answers 404 for a license, machine or lease it does not know, and 400 for malformed ids", async () => {
    const missing = "lic_01ZZZZZZZZZZZZZZZZZZZZZZZZ";
    const unknown = await gw.admin.get(`/api/licenses/${missing}/usage`);
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, "not_found"]);
    // A machine of another license is not this license's.
    const [machine] = (await usageOf(cockpit)).machines;
    const elsewhere = await gw.admin.post(
      `/api/licenses/${collector.license.id}/machines/${machine!.id}/deactivate`,
      {},
    );
    expect(elsewhere.statusCode).toBe(404);
    expect((await usageOf(cockpit)).activeMachines).toBe(1);
    const lease = await gw.admin.post(
      `/api/licenses/${cockpit.license.id}/leases/lse_01ZZZZZZZZZZZZZZZZZZZZZZZZ/release`,
      {},
    );
    expect(lease.statusCode).toBe(404);
    const malformed = await gw.admin.post(
      `/api/licenses/${collector.license.id}/machines/m-1/deactivate`,
      {},
    );
    expect(malformed.json<ErrorResponse>().details?.issues?.map((i) => i.path)).toEqual(["machineId"]);
  });
});

describe("usage (security)", () => {
  it("answers each usage route for every role as the role × action table says", async () => {
    // The machine and the lease freed above: an allowed call answers them as they are (200).
    const [machine] = (await usageOf(collector)).machines.filter((m) => m.status !== "active");
    const lease = (
      await query<{ target_id: string }>(
        gw.orm,
        "select entity_id as target_id from distribution.audit_log where action = 'lease.released'",
      )
    )[0]!.target_id;
    const routes: [method: "GET" | "POST", url: string, access: Action][] = [
      ["GET", `/api/licenses/${cockpit.license.id}/usage`, "usage.read"],
      ["POST", `/api/licenses/${collector.license.id}/machines/${machine!.id}/deactivate`, "usage.manage"],
      ["POST", `/api/licenses/${cockpit.license.id}/leases/${lease}/release`, "usage.manage"],
      ["GET", `/api/usage/report?${range()}`, "usage.read"],
      ["GET", `/api/usage/report.csv?${range()}`, "usage.read"],
      ["GET", "/api/usage/summary", "usage.read"],
    ];
    const anonymous = new Browser(gw.app);
    for (const [method, url] of routes)
      expect((await anonymous.request(method, url, method === "POST" ? {} : undefined)).statusCode).toBe(401);
    for (const role of roles) {
      const user = await gw.userWith([role]);
      for (const [method, url, access] of routes) {
        const answer = await user.request(method, url, method === "POST" ? {} : undefined);
        const expected = isAllowed([role], access) ? [200, undefined] : [403, "forbidden"];
        const code = answer.headers["content-type"]?.toString().includes("json")
          ? answer.json().code
          : undefined;
        expect([answer.statusCode, code], `${role} ${method} ${url}`).toEqual(expected);
      }
    }
    expect((await usageOf(collector)).activeMachines).toBe(1);
  });

  it("answers 503 while the distribution service is down, and the licenses still answer", async () => {
    await dist.stop();
    const down = await gw.admin.get(`/api/licenses/${collector.license.id}/usage`);
    expect([down.statusCode, down.json().code]).toEqual([503, "service_unavailable"]);
    expect((await gw.admin.get("/api/usage/summary")).statusCode).toBe(503);
    expect((await gw.admin.get(`/api/licenses/${collector.license.id}`)).statusCode).toBe(200);
    expect((await gw.admin.get("/api/dashboard")).statusCode).toBe(200);
  });
});
