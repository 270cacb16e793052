import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Account, AccountQuestion, MigrationIssue, MigrationRun } from "@licensing/contracts";
import { Browser, type ErrorResponse, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { createMigrationService, openMigrationDatabase } from "@licensing/migration";
import { expectedOutcome, writeLegacyExport } from "@licensing/migration/testing";
import type { Orm, RunningService } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headerSafeFilename } from "../src/migration.ts";

// The migration routes (Settings → Migration) through the gateway, to a real migration service
// (with the harness's catalog and issuer) reading a generated export under its MIGRATION_ROOT.
let gw: GatewayUnderTest;
let migrationOrm: Orm;
let migrationService: RunningService;
let root: string;
const ROWS = 60;

beforeAll(async () => {
  gw = await startGateway({ issuer: true, activateCrm: true });
  root = mkdtempSync(join(tmpdir(), "gateway-migration-"));
  mkdirSync(join(root, "cli"));
  await writeLegacyExport(join(root, "cli"), "vbuc-cli", { rows: ROWS, seed: 7 });
  // The products the default mapping of the VBUC CLI maps to, with the modes, features and units the
  // export uses (a product the catalog lacks makes its rows unknown_product).
  for (const code of ["vbuc", "vbuc-asp", "vbuc-web"]) {
    const created = await gw.admin.post("/api/products", {
      code,
      name: code,
      executionModes: [
        { code: "migration", name: "Migration" },
        { code: "scanning", name: "Scanning" },
      ],
      customFeatures: ["csharp", "vb.net", "asp"].map((feature) => ({ code: feature, name: feature })),
      unitsTypes: ["lines", "files"].map((unit) => ({ code: unit, name: unit })),
    });
    if (created.statusCode !== 201) throw new Error(`cannot create ${code}: ${created.body}`);
  }
  // The CRM holds Globex twice: the owner GLOBEX INTL of the export becomes a question.
  for (const name of ["Globex Intl", "GLOBEX INTL Ltd"])
    await gw.admin.post("/api/accounts", { type: "customer", name });
  migrationOrm = await openMigrationDatabase(gw.env.databaseUrl, gw.env.log);
  migrationService = createMigrationService({
    nc: await gw.env.connect("migration"),
    orm: migrationOrm,
    prefix: gw.env.prefix,
    log: gw.env.log,
    root,
  });
  await migrationService.start();
}, 60_000);
afterAll(async () => {
  await migrationService?.stop();
  await migrationOrm?.close();
  await gw?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

const runId = "run_01JD6X8Q0V4N3ZP8E4E3W1T9QK";
const routes: [method: "GET" | "POST", url: string, body?: unknown][] = [
  ["GET", "/api/migration/runs"],
  ["GET", "/api/migration/runs?source=studio&limit=10"],
  ["POST", "/api/migration/runs", { source: "studio", location: "cli", dryRun: true }],
  ["GET", `/api/migration/runs/${runId}`],
  ["GET", `/api/migration/runs/${runId}/issues?reason=invalid_date`],
  ["GET", `/api/migration/runs/${runId}/report.csv`],
  ["POST", `/api/migration/runs/${runId}/rollback`, {}],
  ["POST", `/api/migration/runs/${runId}/cancel`, {}],
  ["GET", "/api/migration/mappings/vbuc-cli"],
  ["GET", "/api/migration/account-questions?state=all"],
  ["POST", "/api/migration/account-questions/owners-1/decision", { choice: "separate", accountId: null }],
];

const call = (browser: Browser, [method, url, body]: (typeof routes)[number]) =>
  browser.request(method, url, body);

/** Reads the run until it has ended, as the page does. */
async function finished(id: string): Promise<MigrationRun> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = (await gw.admin.get(`/api/migration/runs/${id}`)).json<MigrationRun>();
    if (run.state !== "running") return run;
    if (Date.now() > deadline) throw new Error(`run ${id} did not end: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a dry run through the gateway", () => {
  it("starts, is followed to its end, and reports its counts, issues and CSV", async () => {
    const mapping = await gw.admin.get("/api/migration/mappings/vbuc-cli");
    expect(mapping.statusCode).toBe(200);
    expect(mapping.json<{ yaml: string }>().yaml).toContain("source: vbuc-cli");

    const started = await gw.admin.post("/api/migration/runs", { source: "vbuc-cli", location: "cli" });
    expect(started.statusCode).toBe(201);
    expect(started.json<MigrationRun>()).toMatchObject({
      mode: "dry-run",
      state: "running",
      mapping: "default",
    });
    const run = await finished(started.json<MigrationRun>().id);
    const expected = expectedOutcome(ROWS);
    expect(run).toMatchObject({ state: "done", phase: "finished", total: ROWS, startedBy: "admin" });
    expect(run.counts).toMatchObject({ rows: ROWS, valid: expected.valid });
    expect(run.counts.accountsAmbiguous).toBe(1);

    const listed = (await gw.admin.get("/api/migration/runs?source=vbuc-cli")).json<{
      items: MigrationRun[];
    }>();
    expect(listed.items[0]?.id).toBe(run.id);
    expect((await gw.admin.get("/api/migration/runs?source=studio")).json().items).toEqual([]);

    const reason = Object.keys(expected.invalid)[0]!;
    const issues = await gw.admin.get(`/api/migration/runs/${run.id}/issues?reason=${reason}&limit=5`);
    const items = issues.json<{ items: MigrationIssue[] }>().items;
    expect(items.length).toBeGreaterThan(0);
    expect(new Set(items.map((i) => i.reason))).toEqual(new Set([reason]));

    const report = await gw.admin.get(`/api/migration/runs/${run.id}/report.csv`);
    expect(report.statusCode).toBe(200);
    expect(report.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(report.headers["content-disposition"]).toBe(
      `attachment; filename="migration-vbuc-cli-${run.id}.csv"`,
    );
    expect(report.body.startsWith("\uFEFF")).toBe(true);
    expect(report.body).toContain("table,row,column,legacy id,reason,message");
    expect(report.body).toContain(`valid,${expected.valid}`);

    // Nothing was imported, so there is nothing to roll back.
    const rollback = await gw.admin.post(`/api/migration/runs/${run.id}/rollback`);
    expect([rollback.statusCode, rollback.json<ErrorResponse>().code]).toEqual([409, "invalid_state"]);
    // It has ended: there is nothing to cancel.
    const cancel = await gw.admin.post(`/api/migration/runs/${run.id}/cancel`);
    expect([cancel.statusCode, cancel.json<ErrorResponse>().code]).toEqual([409, "invalid_state"]);
  });

  it("lists the account question the run met and takes the operator's decision", async () => {
    const open = (await gw.admin.get("/api/migration/account-questions")).json<{
      items: AccountQuestion[];
    }>();
    const question = open.items.find((q) => q.owners.some((o) => o.name === "GLOBEX INTL"));
    expect(question?.candidates.map((c) => c.name).sort()).toEqual(["GLOBEX INTL Ltd", "Globex Intl"]);
    const into = question!.candidates[0]!.accountId;
    const decided = await gw.admin.post(
      `/api/migration/account-questions/${encodeURIComponent(question!.key)}/decision`,
      { choice: "merge", accountId: into },
    );
    expect(decided.statusCode).toBe(200);
    expect(decided.json<AccountQuestion>().decision).toMatchObject({ choice: "merge", accountId: into });
    const after = (await gw.admin.get("/api/migration/account-questions?state=decided")).json<{
      items: AccountQuestion[];
    }>();
    expect(after.items.map((q) => q.key)).toContain(question!.key);
    const account = (await gw.admin.get(`/api/accounts/${into}`)).json<Account>();
    expect(account.name).toMatch(/globex/i);
  });

  it("answers what the service refuses with its code", async () => {
    const unknown = await gw.admin.get(`/api/migration/runs/${runId}`);
    expect([unknown.statusCode, unknown.json<ErrorResponse>().code]).toEqual([404, "not_found"]);
    const outside = await gw.admin.post("/api/migration/runs", { source: "vbuc-cli", location: "/etc" });
    expect(outside.statusCode).toBe(400);
    expect(outside.json<ErrorResponse>().message).toContain("MIGRATION_ROOT");
  });
});

describe("who may migrate", () => {
  it("answers 401 to anonymous on every migration route", async () => {
    const anonymous = new Browser(gw.app);
    for (const route of routes) {
      const response = await call(anonymous, route);
      expect([response.statusCode, response.json<ErrorResponse>().code], route[1]).toEqual([
        401,
        "unauthorized",
      ]);
    }
  });

  it("answers 403 to every role but superadmin, on every migration route", async () => {
    for (const role of ["sales", "license-admin", "support", "viewer"] as const) {
      const browser = await gw.userWith([role]);
      for (const route of routes) {
        const response = await call(browser, route);
        expect([response.statusCode, response.json<ErrorResponse>().code], `${role} ${route[1]}`).toEqual([
          403,
          "forbidden",
        ]);
      }
    }
  });
});

describe("what the gateway checks itself", () => {
  it("names a bad field of a run before asking the service", async () => {
    const response = await gw.admin.post("/api/migration/runs", {
      source: "dbase",
      location: "",
      dryrun: false,
    });
    expect(response.statusCode).toBe(400);
    expect(
      response
        .json<ErrorResponse>()
        .details?.issues?.map((i) => i.path)
        .sort(),
    ).toEqual(["dryrun", "location", "source"]);
  });

  it("refuses a malformed run id, source, question state or decision", async () => {
    for (const [method, url, body] of [
      ["GET", "/api/migration/runs/lic_01JD6X8Q0V4N3ZP8E4E3W1T9QK"],
      ["GET", "/api/migration/mappings/sap"],
      ["GET", "/api/migration/account-questions?state=closed"],
      ["POST", "/api/migration/account-questions/owners-1/decision", { choice: "merge", accountId: "nope" }],
    ] as const) {
      const response = await gw.admin.request(method, url, body);
      expect([response.statusCode, response.json<ErrorResponse>().code], url).toEqual([
        400,
        "validation_failed",
      ]);
    }
  });
});

describe("the report's file name", () => {
  it("keeps a name a header can quote", () => {
    expect(headerSafeFilename('migration-"studio"\r\n.csv')).toBe("migration-studio.csv");
    expect(headerSafeFilename("  ")).toBe("migration-report.csv");
    expect(headerSafeFilename("migration-vbuc-cli-run_01.csv")).toBe("migration-vbuc-cli-run_01.csv");
  });
});
