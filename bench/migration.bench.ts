// Migration: 100,000 legacy licenses per source (generated exports, CSV), a dry run then an apply
// through the migration service (catalog, issuer and distribution all real, each its own process),
// with their rows/s and the migration service's peak memory; beside, in the same run, the platform's
// own batch issuance (issuer.license.create, 100 licenses a request, over NATS). Memory is shown for
// a tenth of the rows too: it must stay flat in the input size.
//
//   npm run bench migration       BENCH_MIGRATION_ROWS=20000 BENCH_SOURCES=vbuc-cli npm run bench migration
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BusClient } from "@licensing/bus";
import {
  type Actor,
  catalog,
  issuer,
  type LegacySource,
  legacySources,
  type MigrationRun,
  migration,
} from "@licensing/contracts";
import { benchEnv, fixed, load } from "./support.ts";

const rows = Number(process.env.BENCH_MIGRATION_ROWS ?? 100_000);
const sources = (process.env.BENCH_SOURCES ?? "studio,vbuc-cli,vbuc-sales").split(",") as LegacySource[];
const root = mkdtempSync(join(tmpdir(), "bench-migration-"));
const env = await benchEnv();
try {
  await env.startService("catalog");
  await env.startService("issuer", {
    ISSUER_KEK: randomBytes(32).toString("base64"),
    DATABASE_POOL_SIZE: "20",
  });
  await env.startService("distribution", {
    DISTRIBUTION_PORT: "0",
    DISTRIBUTION_RATE_LIMIT_IP_PER_MINUTE: "0",
    DISTRIBUTION_RATE_LIMIT_KEY_PER_MINUTE: "0",
  });
  const migrationService = await env.startService("migration", { MIGRATION_ROOT: root });
  const bus = new BusClient(env.nc, { prefix: env.prefix, timeoutMs: 120_000 });
  const actor: Actor = { id: "usr_bench", username: "bench", roles: ["superadmin"] };
  const ctx = { ctx: { requestId: "req_bench", actor } };
  for (const [codes, features, units] of [
    [
      ["snow-cloud", "snow-inventory", "snow-sam-core", "snow-slm"],
      ["inventory", "metering", "cloud"],
      ["devices", "users"],
    ],
    [
      ["vbuc", "vbuc-asp", "vbuc-web"],
      ["csharp", "vb.net", "asp"],
      ["lines", "files"],
    ],
  ] as const)
    for (const code of codes)
      await bus.request(catalog.createProduct, {
        code,
        name: code,
        executionModes: ["migration", "scanning"].map((m) => ({ code: m, name: m })),
        customFeatures: features.map((f) => ({ code: f, name: f })),
        unitsTypes: units.map((u) => ({ code: u, name: u })),
      });

  /** Runs to its end, sampling the migration service's resident memory; answers the run, seconds, peak MiB. */
  const timed = async (start: () => Promise<MigrationRun>) => {
    const rss = () =>
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${migrationService.pid}/status`, "utf8"))![1]) / 1024;
    let peak = rss();
    const began = performance.now();
    let run = await start();
    while (run.state === "running") {
      await new Promise((r) => setTimeout(r, 100));
      peak = Math.max(peak, rss());
      run = await bus.request(migration.getRun, { runId: run.id }, ctx);
    }
    if (run.state !== "done") throw new Error(`run ${run.id} ended ${run.state}: ${run.error}`);
    return { run, seconds: (performance.now() - began) / 1000, peak };
  };
  // Each source its own seed: the same seed would give the three sources the same GUIDs.
  const generate = (source: LegacySource, count: number, dir: string) => {
    mkdirSync(join(root, dir));
    const made = spawnSync(
      process.execPath,
      [
        resolve(import.meta.dirname, "../services/migration/test/support/generate-cli.ts"),
        source,
        "--rows",
        String(count),
        "--seed",
        String(legacySources.indexOf(source) + 1),
        "--out",
        join(root, dir),
      ],
      { encoding: "utf8" },
    );
    if (made.status !== 0) throw new Error(made.stderr);
  };

  const table: Record<string, string>[] = [];
  for (const source of sources) {
    generate(source, rows / 10, `${source}-small`);
    generate(source, rows, source);
    const small = await timed(() =>
      bus.request(migration.startRun, { source, location: `${source}-small` }, ctx),
    );
    const dry = await timed(() => bus.request(migration.startRun, { source, location: source }, ctx));
    // Settle every account question as one new account, so the apply imports every valid row.
    const { items } = await bus.request(migration.accountQuestions, { state: "open" }, ctx);
    for (const q of items) await bus.request(migration.decideAccount, { key: q.key, choice: "merge" }, ctx);
    const apply = await timed(() =>
      bus.request(migration.startRun, { source, location: source, dryRun: false }, ctx),
    );
    const imported = apply.run.counts.new + apply.run.counts.updated;
    table.push({
      source,
      rows: String(rows),
      "dry run s": fixed(dry.seconds, 1),
      "dry run rows/s": fixed(rows / dry.seconds, 0),
      "apply s": fixed(apply.seconds, 1),
      "apply licenses/s": fixed(imported / apply.seconds, 0),
      imported: String(imported),
      [`peak MiB (${rows / 10} rows)`]: fixed(small.peak, 0),
      [`peak MiB (${rows} rows)`]: fixed(Math.max(dry.peak, apply.peak), 0),
    });
  }

  // The platform's own batch issuance in the same run: 100 licenses a request, 4 requests at once.
  const account = await bus.request(catalog.createAccount, { type: "customer", name: "Bench Batch" });
  const batches = await load(100, 4, () =>
    bus.request(issuer.createLicense, { accountId: account.id, products: ["vbuc"], count: 100 }, ctx),
  );
  console.log(
    "\nMigration per source (goal: apply ≥ 1,000 licenses/s including signing; memory flat in the input size)",
  );
  console.table(table);
  console.log(
    `Batch issuance baseline: ${fixed(batches.perSecond * 100, 0)} licenses/s (100 a request, 4 at once)`,
  );
} finally {
  await env.stop();
  rmSync(root, { recursive: true, force: true });
}
