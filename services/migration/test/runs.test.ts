import { execFile } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { audit, catalog, issuer, migration } from "@licensing/contracts";
import { queryOne } from "@licensing/platform";
import { testActorEnv } from "@licensing/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLegacyExport } from "./support/export-writers.ts";
import { expectedOutcome } from "./support/legacy-data.ts";
import { as, type MigrationUnderTest, sales, startMigration } from "./support/migration-harness.ts";

let under: MigrationUnderTest;
const ROWS = 150;

beforeAll(async () => {
  under = await startMigration();
  mkdirSync(join(under.root, "cli"));
  await writeLegacyExport(join(under.root, "cli"), "vbuc-cli", { rows: ROWS, seed: 7 });
  // The CRM already knows Umbrella, and holds Globex twice: a match, and a question.
  for (const name of ["Umbrella Holdings, Inc.", "Globex Intl", "GLOBEX INTL Ltd"])
    await under.env.bus.request(catalog.createAccount, { type: "customer", name }, as());
}, 60_000);
afterAll(async () => {
  await under?.stop();
});

const licenses = async () =>
  (await queryOne<{ n: number }>(under.issuerOrm, "select count(*)::int as n from issuer.licenses"))!.n;

describe("a dry run", () => {
  it("reports every row, the accounts and the questions, and changes nothing", async () => {
    const expected = expectedOutcome(ROWS);
    const started = await under.start({ source: "vbuc-cli", location: "cli" });
    expect(started).toMatchObject({
      source: "vbuc-cli",
      mode: "dry-run",
      state: "running",
      mapping: "default",
    });
    const run = await under.finished(started.id);
    expect(run.state).toBe("done");
    expect(run.phase).toBe("finished");
    expect(run.total).toBe(ROWS);
    const invalid = Object.values(expected.invalid).reduce((a, b) => a + b, 0);
    expect(run.counts).toMatchObject({ rows: ROWS, valid: expected.valid, invalid });
    expect(run.counts.new + run.counts.awaitingAccount).toBe(expected.valid);
    expect(run.counts.updated + run.counts.unchanged + run.counts.conflicting).toBe(0);
    expect(run.counts.accountsCreated).toBeGreaterThan(0);
    expect(run.counts.accountsMatched).toBe(1);
    expect(run.counts.accountsAmbiguous).toBe(1);
    expect(run.unknownProducts.length).toBeGreaterThan(0);
    expect(await licenses()).toBe(0);

    const issues = await under.env.bus.request(migration.runIssues, { runId: run.id, limit: 500 }, as());
    const reasons = new Set(issues.items.map((i) => i.reason));
    for (const reason of Object.keys(expected.invalid)) expect(reasons).toContain(reason);
    expect(issues.items[0]).toMatchObject({ table: "generated_licenses", row: expect.any(Number) });

    // A page at a time, in row order, whatever the order the issues were found in.
    const paged: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await under.env.bus.request(
        migration.runIssues,
        { runId: run.id, limit: 5, ...(cursor ? { cursor } : {}) },
        as(),
      );
      paged.push(...page.items.map((i) => i.row));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(issues.items.map((i) => i.row));
    expect(paged).toEqual([...paged].sort((a, b) => a - b));
    await expect(
      under.env.bus.request(migration.runIssues, { runId: run.id, cursor: "nope" }, as()),
    ).rejects.toMatchObject({ code: "validation_failed", message: expect.stringContaining("cursor") });

    const report = await under.env.bus.request(migration.runReport, { runId: run.id }, as());
    expect(report.filename).toBe(`migration-vbuc-cli-${run.id}.csv`);
    expect(report.csv).toContain("table,row,column,legacy id,reason,message");
    expect(report.csv).toContain(`valid,${expected.valid}`);

    const { items: questions } = await under.env.bus.request(migration.accountQuestions, {}, as());
    expect(questions).toMatchObject([
      {
        reason: "several accounts have this name",
        owners: [{ name: "GLOBEX INTL", sources: ["vbuc-cli"], emailDomains: ["globex.example"] }],
        candidates: [{ name: "Globex Intl" }, { name: "GLOBEX INTL Ltd" }],
        decision: null,
      },
    ]);
  });

  it("refuses a location outside MIGRATION_ROOT, a missing directory and another source's mapping, by name", async () => {
    await expect(under.start({ source: "vbuc-cli", location: "/etc" })).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringContaining("MIGRATION_ROOT"),
    });
    await expect(under.start({ source: "vbuc-cli", location: "nowhere" })).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringContaining("not a directory"),
    });
    // A database that cannot be opened is refused at once, its password never repeated.
    const unreachable = under.start({
      source: "vbuc-cli",
      location: "mysql://root:s3cret@127.0.0.1:1/legacy",
    });
    await expect(unreachable).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringContaining("location: cannot be opened"),
    });
    await expect(unreachable).rejects.not.toMatchObject({ message: expect.stringContaining("s3cret") });
    const { yaml } = await under.env.bus.request(migration.defaultMapping, { source: "studio" }, as());
    await expect(under.start({ source: "vbuc-cli", location: "cli", mapping: yaml })).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringContaining("mapping of studio"),
    });
    await expect(
      under.start({ source: "vbuc-cli", location: "cli", mapping: "version: [" }),
    ).rejects.toMatchObject({
      code: "validation_failed",
    });
  });

  it("is for superadmins only", async () => {
    await expect(under.start({ source: "vbuc-cli", location: "cli" }, sales)).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(under.env.bus.request(migration.listRuns, {}, as(sales))).rejects.toMatchObject({
      code: "forbidden",
    });
  });
});

describe("an apply", () => {
  it("imports what is settled, leaves owners in question for a decision, then imports them, then changes nothing", async () => {
    const first = await under.finished(
      (await under.start({ source: "vbuc-cli", location: "cli", dryRun: false })).id,
    );
    expect(first).toMatchObject({ mode: "apply", state: "done" });
    expect(first.counts.new).toBeGreaterThan(0);
    expect(first.counts.awaitingAccount).toBeGreaterThan(0);
    expect(await licenses()).toBe(first.counts.new);

    const { items: open } = await under.env.bus.request(migration.accountQuestions, { state: "open" }, as());
    expect(open).toHaveLength(1);
    const globex = open[0]!.candidates[1]!.accountId;
    await under.env.bus.request(
      migration.decideAccount,
      { key: open[0]!.key, choice: "merge", accountId: globex },
      as(),
    );
    const second = await under.finished(
      (await under.start({ source: "vbuc-cli", location: "cli", dryRun: false })).id,
    );
    expect(second.counts).toMatchObject({
      new: first.counts.awaitingAccount,
      unchanged: first.counts.new,
      awaitingAccount: 0,
    });

    const third = await under.finished(
      (await under.start({ source: "vbuc-cli", location: "cli", dryRun: false })).id,
    );
    expect(third.counts).toMatchObject({
      new: 0,
      updated: 0,
      unchanged: first.counts.new + first.counts.awaitingAccount,
    });
    expect(await licenses()).toBe(first.counts.new + first.counts.awaitingAccount);

    // Umbrella's licenses went to the account the CRM had; Globex's to the one the operator chose.
    const umbrella = await under.env.bus.request(catalog.searchAccounts, { query: "umbrella" }, as());
    expect(umbrella.items.map((a) => a.name)).toEqual(["Umbrella Holdings, Inc."]);
    const umbrellas = await under.env.bus.request(
      issuer.listLicenses,
      { accountId: umbrella.items[0]!.id, limit: 500 },
      as(),
    );
    expect(umbrellas.items.length).toBeGreaterThan(0);
    const owned = await under.env.bus.request(issuer.listLicenses, { accountId: globex, limit: 500 }, as());
    expect(owned.items.length).toBe(first.counts.awaitingAccount);

    // The migration's audit log: the operator's decision, each run started and finished.
    const log = (await under.env.bus.request(audit.migration, { limit: 100 })).items;
    const merge = log.find((e) => e.action === "account.merge-decided");
    expect(merge).toMatchObject({
      entityId: open[0]!.key,
      changes: { choice: [null, "merge"], accountId: [null, globex] },
    });
    const ofFirst = log.filter((e) => e.entityId === first.id).map((e) => [e.action, e.actorId]);
    expect(ofFirst).toEqual([
      ["migration-run.finished", "system"],
      ["migration-run.started", as().ctx.actor!.id],
    ]);
  });
});

describe("an interrupted apply", () => {
  it("resumes after its checkpoint when started again: no duplicate, no loss", async () => {
    mkdirSync(join(under.root, "studio"));
    await writeLegacyExport(join(under.root, "studio"), "studio", { rows: 1_500, seed: 3 });
    const started = await under.start({ source: "studio", location: "studio", dryRun: false });
    // Stop the service once the first batches are in: the run ends after its current batch.
    for (;;) {
      const run = await under.env.bus.request(migration.getRun, { runId: started.id }, as());
      if (run.phase === "importing" && run.counts.new > 0) break;
      if (run.state !== "running")
        throw new Error(`the run ended before it could be interrupted: ${run.state}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await under.restartMigration();
    const interrupted = await under.env.bus.request(migration.getRun, { runId: started.id }, as());
    expect(interrupted.state).toBe("interrupted");
    const before = await licenses();

    const resumed = await under.start({ source: "studio", location: "studio", dryRun: false });
    expect(resumed.id).toBe(started.id);
    expect(resumed.resumedAtRow).toBeGreaterThan(0);
    const done = await under.finished(resumed.id);
    expect(done.state).toBe("done");
    const expected = expectedOutcome(1_500);
    expect(done.counts.valid).toBe(expected.valid);
    // Every valid license is in, or waits for an account decision; none twice.
    expect(done.counts.new + done.counts.unchanged + done.counts.awaitingAccount).toBe(expected.valid);
    const studio = await queryOne<{ n: number; distinct: number }>(
      under.issuerOrm,
      "select count(*)::int as n, count(distinct legacy_id)::int as distinct from issuer.legacy_licenses where source = 'studio'",
    );
    expect(studio!.n).toBe(studio!.distinct);
    expect(studio!.n).toBe(done.counts.new + done.counts.unchanged);
    expect(await licenses()).toBeGreaterThan(before);
  });
});

describe("one run at a time per source", () => {
  it("refuses a second run of a source while one is in progress", async () => {
    const first = await under.start({ source: "studio", location: "studio" });
    await expect(under.start({ source: "studio", location: "studio" })).rejects.toMatchObject({
      code: "conflict",
      details: { runId: first.id },
    });
    await under.finished(first.id);
  });

  it("starts one of two runs of a source started at once, and refuses the other", async () => {
    const started = await Promise.allSettled([
      under.start({ source: "studio", location: "studio" }),
      under.start({ source: "studio", location: "studio" }),
    ]);
    const runs = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    const refused = started.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
    expect(runs).toHaveLength(1);
    expect(refused).toMatchObject([{ code: "conflict", details: { runId: runs[0]!.id } }]);
    await under.finished(runs[0]!.id);
  });
});

describe("a rollback", () => {
  it("removes the licenses the run created, and refuses a dry run", async () => {
    mkdirSync(join(under.root, "sales"));
    await writeLegacyExport(join(under.root, "sales"), "vbuc-sales", { rows: 60, seed: 11 });
    const dry = await under.finished((await under.start({ source: "vbuc-sales", location: "sales" })).id);
    await expect(under.env.bus.request(migration.rollbackRun, { runId: dry.id }, as())).rejects.toMatchObject(
      {
        code: "invalid_state",
      },
    );
    const before = await licenses();
    const applied = await under.finished(
      (await under.start({ source: "vbuc-sales", location: "sales", dryRun: false })).id,
    );
    expect(applied.counts.new).toBeGreaterThan(0);
    expect(await licenses()).toBe(before + applied.counts.new);
    const rolledBack = await under.env.bus.request(migration.rollbackRun, { runId: applied.id }, as());
    expect(rolledBack.state).toBe("rolled_back");
    const rollback = await under.env.bus.request(audit.migration, {
      entityId: applied.id,
      action: "migration-run.rolled-back",
      limit: 10,
    });
    expect(rollback.items).toHaveLength(1);
    expect(await licenses()).toBe(before);
  });
});

describe("npm run migrate", () => {
  const cli = (args: string[]) =>
    promisify(execFile)(process.execPath, [join(import.meta.dirname, "../src/cli.ts"), ...args], {
      env: {
        ...process.env,
        NATS_URL: under.env.natsUrl,
        SUBJECT_PREFIX: under.env.prefix,
        // An operators' tool signs as the gateway.
        ...testActorEnv("gateway"),
      },
    }).then(
      (out) => ({ code: 0, ...out }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it("runs a dry run to its end, prints its counts and writes its report", async () => {
    const report = join(under.root, "dry-run.csv");
    const run = await cli(["vbuc-cli", "--from", join(under.root, "cli"), "--dry-run", "--report", report]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Dry run run_\w+ of vbuc-cli/);
    expect(run.stdout).toContain("DONE");
    expect(run.stdout).toMatch(/valid\s+│\s+\d+/);
    expect(readFileSync(report, "utf8")).toContain("table,row,column,legacy id,reason,message");
  });

  it("says what is wrong, and how it is used", async () => {
    const outside = await cli(["vbuc-cli", "--from", "/etc"]);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain("validation_failed: location: /etc is outside");
    const usage = await cli(["nope"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage: npm run migrate");
  });
});
