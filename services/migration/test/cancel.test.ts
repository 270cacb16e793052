// An operator cancels a running apply: it stops after its batch in flight and ends interrupted,
// saying who cancelled it; starting the same apply again resumes it to the end, with no license
// twice. The cancel is a flag on the run's row, read by whichever replica executes the run.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { migration, newId } from "@licensing/contracts";
import { queryOne } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLegacyExport } from "./support/export-writers.ts";
import { expectedOutcome } from "./support/legacy-data.ts";
import { as, type MigrationUnderTest, sales, startMigration } from "./support/migration-harness.ts";

let under: MigrationUnderTest;
const ROWS = 3_000;

beforeAll(async () => {
  under = await startMigration();
  mkdirSync(join(under.root, "studio"));
  await writeLegacyExport(join(under.root, "studio"), "studio", { rows: ROWS, seed: 5 });
}, 60_000);
afterAll(async () => {
  await under?.stop();
});

const cancel = (runId: string, actor = as()) => under.env.bus.request(migration.cancelRun, { runId }, actor);

// An apply of 3,000 rows, cancelled and then resumed to its end: well over 30 s on a busy machine.
describe("cancelling a run", { timeout: 120_000 }, () => {
  it("stops an apply after its batch in flight; the same apply started again resumes it", async () => {
    const started = await under.start({ source: "studio", location: "studio", dryRun: false });
    for (;;) {
      const run = await under.env.bus.request(migration.getRun, { runId: started.id }, as());
      if (run.phase === "importing" && run.counts.new > 0) break;
      if (run.state !== "running")
        throw new Error(`the run ended before it could be cancelled: ${run.state}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await expect(cancel(started.id, as(sales))).rejects.toMatchObject({ code: "forbidden" });
    expect(await cancel(started.id)).toMatchObject({ id: started.id, state: "running" });

    const cancelled = await under.finished(started.id);
    expect(cancelled).toMatchObject({
      state: "interrupted",
      error: "Cancelled by root; start the same apply again to resume it",
    });
    expect(cancelled.counts.new).toBeLessThan(expectedOutcome(ROWS).valid);
    await expect(cancel(started.id)).rejects.toMatchObject({
      code: "invalid_state",
      message: expect.stringContaining("only a running run can be cancelled"),
    });

    const resumed = await under.start({ source: "studio", location: "studio", dryRun: false });
    expect(resumed).toMatchObject({ id: started.id, state: "running", error: null });
    expect(resumed.resumedAtRow).toBeGreaterThan(0);
    const done = await under.finished(resumed.id);
    expect(done.state).toBe("done");
    const expected = expectedOutcome(ROWS);
    expect(done.counts.valid).toBe(expected.valid);
    expect(done.counts.new + done.counts.unchanged + done.counts.awaitingAccount).toBe(expected.valid);
    const studio = await queryOne<{ n: number; distinct: number }>(
      under.issuerOrm,
      "select count(*)::int as n, count(distinct legacy_id)::int as distinct from issuer.legacy_licenses where source = 'studio'",
    );
    expect(studio!.n).toBe(studio!.distinct);
    expect(studio!.n).toBe(done.counts.new + done.counts.unchanged);
  });

  it("stops a dry run at once, while it still reads the source", async () => {
    const started = await under.start({ source: "studio", location: "studio" });
    await cancel(started.id);
    const cancelled = await under.finished(started.id);
    expect(cancelled).toMatchObject({ state: "interrupted", error: "Cancelled by root" });
    expect(cancelled.counts.rows).toBeLessThan(ROWS);
  });

  it("refuses a run that does not exist", async () => {
    await expect(cancel(newId("run"))).rejects.toMatchObject({ code: "not_found" });
    await expect(
      under.env.bus.request(migration.cancelRun, { runId: "nope" } as never, as()),
    ).rejects.toMatchObject({ code: "validation_failed" });
  });
});
