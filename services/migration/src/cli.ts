// `npm run migrate -- <source> --from <dir|url> [--mapping file] [--dry-run] [--report file.csv]`
// `npm run migrate -- --follow <runId> [--report file.csv]`
// Starts a run in the migration service (the same code the UI's Settings → Migration calls) and
// follows it with a progress bar until it ends; Ctrl-C stops following, not the run. NATS_URL and
// SUBJECT_PREFIX say which deployment, as for `npm run bus`.
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BusClient } from "@licensing/bus";
import {
  type Actor,
  AppError,
  type LegacySource,
  legacySources,
  type MigrationRun,
  migration,
  newId,
} from "@licensing/contracts";
import { connectTool } from "@licensing/platform";
import { Presets, SingleBar } from "cli-progress";

const usage = `usage: npm run migrate -- <${legacySources.join("|")}> --from <directory|database URL> [--mapping file] [--dry-run] [--report file.csv]
       npm run migrate -- --follow <runId> [--report file.csv]`;

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        from: { type: "string" },
        mapping: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        report: { type: "string" },
        follow: { type: "string" },
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    process.exit(2);
  }
})();

const source = positionals[0] as LegacySource | undefined;
if (
  values.follow === undefined &&
  (!source || !legacySources.includes(source) || values.from === undefined)
) {
  console.error(usage);
  process.exit(2);
}

// The CLI acts as a superadmin named after the operating-system user, which the run and its audit
// entries record; it signs that assertion as the gateway does (connectTool: BUS_ACTOR_KEY).
const actor: Actor = { id: "cli", username: `cli:${userInfo().username}`, roles: ["superadmin"] };
const ctx = () => ({ ctx: { requestId: newId("request"), actor } });

const { nc, prefix } = await connectTool("migrate-cli");
const bus = new BusClient(nc, { prefix });
try {
  const run =
    values.follow !== undefined
      ? await bus.request(migration.getRun, { runId: values.follow }, ctx())
      : await bus.request(
          migration.startRun,
          {
            source: source!,
            location: location(values.from!),
            ...(values.mapping ? { mapping: await readFile(values.mapping, "utf8") } : {}),
            dryRun: values["dry-run"],
          },
          ctx(),
        );
  if (run.resumedAtRow !== null && run.state === "running")
    console.log(`Resuming run ${run.id} after row ${run.resumedAtRow}`);
  console.log(
    `${run.mode === "dry-run" ? "Dry run" : "Apply"} ${run.id} of ${run.source} from ${run.location}`,
  );
  const ended = await follow(run);
  summarize(ended);
  if (values.report) {
    const { csv } = await bus.request(migration.runReport, { runId: ended.id }, ctx());
    writeFileSync(values.report, csv);
    console.log(`Report written to ${values.report}`);
  }
  process.exitCode = ended.state === "done" ? 0 : 1;
} catch (error) {
  if (!(error instanceof AppError)) throw error;
  console.error(`${error.code}: ${error.message}`);
  process.exitCode = 1;
} finally {
  await nc.close();
}

/** A directory is sent absolute (the service resolves a relative one against its MIGRATION_ROOT). */
function location(from: string): string {
  return /^[a-z]+:\/\//i.test(from) || isAbsolute(from) ? from : resolve(from);
}

async function follow(started: MigrationRun): Promise<MigrationRun> {
  const bar = new SingleBar(
    {
      format: "{phase} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta}",
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5_000,
    },
    Presets.shades_classic,
  );
  let phase: string | null = null;
  process.once("SIGINT", () => {
    bar.stop();
    console.log(`\nStopped following. Run ${started.id} goes on: npm run migrate -- --follow ${started.id}`);
    process.exit(130);
  });
  for (let run = started; ; run = await bus.request(migration.getRun, { runId: started.id }, ctx())) {
    const payload = {
      phase: run.phase.padEnd(9),
      rate: run.rowsPerSecond?.toFixed(0) ?? "–",
      eta: run.etaSeconds === null ? "–" : `${run.etaSeconds}s`,
    };
    if (run.phase !== phase) {
      if (phase !== null) bar.stop();
      phase = run.phase;
      bar.start(run.total ?? 0, run.processed, payload);
    } else bar.update(run.processed, { ...payload, ...(run.total === null ? {} : { total: run.total }) });
    if (run.total !== null) bar.setTotal(run.total);
    if (run.state !== "running") {
      bar.stop();
      return run;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function summarize(run: MigrationRun) {
  const c = run.counts;
  console.log(`\n${run.state.toUpperCase()}${run.error ? `: ${run.error}` : ""}`);
  console.table({
    rows: c.rows,
    valid: c.valid,
    invalid: c.invalid,
    [run.mode === "dry-run" ? "new (would be created)" : "new"]: c.new,
    updated: c.updated,
    unchanged: c.unchanged,
    conflicting: c.conflicting,
    failed: c.failed,
    "awaiting an account decision": c.awaitingAccount,
    "consumption carried": c.consumptionCarried,
    [run.mode === "dry-run" ? "accounts to create" : "accounts created"]: c.accountsCreated,
    "accounts matched": c.accountsMatched,
    "accounts in question": c.accountsAmbiguous,
  });
  if (run.unknownProducts.length > 0)
    console.log(`Unknown products: ${run.unknownProducts.map((p) => `${p.code} (${p.rows})`).join(", ")}`);
  if (c.accountsAmbiguous > 0)
    console.log(
      "Some owners may be the same customer as another: decide in Settings → Migration, then apply again.",
    );
}
