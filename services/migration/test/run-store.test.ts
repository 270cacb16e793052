// A run whose process died (killed, its machine gone) stops refreshing its heartbeat: after 30 s by
// the database's clock it reads as interrupted, and the same apply started again claims it, once. A
// replica's own clock plays no part: one set an hour ahead still sees the run alive.
import { newId } from "@licensing/contracts";
import { execute, type Orm } from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { HEARTBEAT_TIMEOUT_MS, RunStore } from "../src/run/run-store.ts";
import { openMigrationDatabase } from "../src/service.ts";

let env: TestEnv;
let orm: Orm;
const actor = { id: "usr_root", username: "root", roles: ["superadmin" as const] };

beforeAll(async () => {
  env = await createTestEnv();
  orm = await openMigrationDatabase(env.databaseUrl, env.log);
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  await orm?.close();
  await env?.stop();
});

describe("a run without a heartbeat", () => {
  it("reads as interrupted after the timeout, and is resumed by one start of the same apply", async () => {
    const store = new RunStore(orm);
    const run = await store.create({
      id: newId("run"),
      source: "studio",
      location: "/exports/studio",
      mappingText: null,
      mappingLabel: "default",
      mode: "apply",
      actor,
    });
    await store.progress(run.id, {
      phase: "importing",
      processed: 400,
      counts: run.counts,
      unknownProducts: [],
      checkpointRow: 400,
    });
    expect((await store.get(run.id)).state).toBe("running");
    // The database holds one running run per source.
    await expect(
      store.create({ ...run, id: newId("run"), mappingText: null, mappingLabel: "default", actor }),
    ).rejects.toMatchObject({ code: "conflict", details: { runId: run.id } });
    expect(await store.claimInterrupted("studio", "/exports/studio", null, actor)).toBeNull();

    // A replica whose clock is an hour ahead does not take the live run for a dead one.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 3_600_000 });
    expect(await store.get(run.id)).toMatchObject({ state: "running", error: null });
    expect(await store.claimInterrupted("studio", "/exports/studio", null, actor)).toBeNull();
    vi.useRealTimers();

    // The process died: its last heartbeat, by the database's clock, is older than the timeout.
    await execute(
      orm,
      "update migration.runs set heartbeat_at = now() - make_interval(secs => $2) where id = $1",
      [run.id, HEARTBEAT_TIMEOUT_MS / 1000 + 1],
    );
    expect(await store.get(run.id)).toMatchObject({
      state: "interrupted",
      error: expect.stringContaining("start the same apply again"),
    });
    // Another location, or another mapping, is another migration.
    expect(await store.claimInterrupted("studio", "/exports/other", null, actor)).toBeNull();
    expect(await store.claimInterrupted("studio", "/exports/studio", "version: 1", actor)).toBeNull();

    const [first, second] = await Promise.all([
      store.claimInterrupted("studio", "/exports/studio", null, actor),
      store.claimInterrupted("studio", "/exports/studio", null, actor),
    ]);
    const claimed = [first, second].filter((c) => c !== null);
    expect(claimed).toHaveLength(1);
    expect(claimed[0]).toMatchObject({ id: run.id, checkpointRow: 400 });
    expect(await store.get(run.id)).toMatchObject({ state: "running", resumedAtRow: 400 });
  });
});
