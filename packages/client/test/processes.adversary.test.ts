// Issue 12, defect 2 (docs/client.md, "Several processes"): processes sharing one state folder,
// real child processes, offline and online: every authorized execution is queued and counted once,
// the balance is never overdrawn, and a process killed in the middle of a write leaves a state that
// verifies, with every execution it announced.
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { type DistributionUnderTest, startDistribution } from "@licensing/distribution/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileStorage } from "../src/platform-node.ts";
import { manager, pinnedKeys, serverBalance, stateOnDisk, temporaryDir } from "./client-harness.ts";
import type { ProductProcessConfig } from "./support/product-process.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution();
});
afterAll(() => t?.stop());

const script = resolve(import.meta.dirname, "support/product-process.ts");

type Line = { ok: string; units: number } | { refused: string } | { done: true };

/** Starts a product process; `lines` fills as it prints. */
function start(config: ProductProcessConfig): {
  child: ChildProcess;
  lines: Line[];
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [script, JSON.stringify(config)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: Line[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => lines.push(JSON.parse(line) as Line));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  return { child, lines, exited };
}

async function machineFolder(params: { accumulatedUnits: number; unitsPerExecution?: number }) {
  const issued = await t.issue({ ...params, availableActivations: 1 });
  const dir = temporaryDir();
  const fingerprint = "shared-machine";
  const online = await manager(t, {
    licenseKey: issued.licenseKey,
    storage: new FileStorage(dir),
    fingerprint,
  });
  await online.fetchLicense();
  await online.activate(); // reaches the server once: the offline grace starts
  const base = {
    dir,
    trustedKeys: await pinnedKeys(t),
    file: issued.file,
    licenseKey: issued.licenseKey,
    fingerprint,
  };
  return { ...issued, dir, fingerprint, online, base };
}

const authorized = (lines: Line[]) => lines.filter((l): l is { ok: string; units: number } => "ok" in l);

// Eight Node processes starting at once take most of the default 30 s on a busy two-core machine.
const processTimeout = { timeout: 120_000 };

describe.each([2, 8])("%i processes sharing one state folder", processTimeout, (processes) => {
  it("offline: never overdraw, lose no report, and the server counts each once", async () => {
    const units = 5;
    const limit = 100 * units; // fewer than the processes ask for together
    const folder = await machineFolder({ accumulatedUnits: limit });
    const runs = Math.ceil((limit / units / processes) * 1.5);
    const started = Array.from({ length: processes }, () => start({ ...folder.base, units, runs }));
    expect(await Promise.all(started.map((p) => p.exited))).toEqual(started.map(() => 0));
    const all = started.flatMap((p) => authorized(p.lines));
    const refusals = started.flatMap((p) => p.lines.filter((l) => "refused" in l));
    expect(all.reduce((sum, l) => sum + l.units, 0)).toBe(limit); // exactly the balance, never more
    expect(refusals.every((l) => (l as { refused: string }).refused === "units_exhausted")).toBe(true);
    const usage = await folder.online.usage();
    expect(usage.queued).toBe(all.length);
    expect(usage.queuedUnits).toBe(limit);
    expect((await folder.online.flushUsage()).sent).toBe(all.length);
    expect((await serverBalance(t, folder.licenseKey)).unitsConsumed).toBe(limit);
  });

  it("online: each process reports as it runs, twins are counted once, the total is exact", async () => {
    const units = 3;
    const folder = await machineFolder({ accumulatedUnits: -1, unitsPerExecution: -1 });
    const runs = 40 / processes + 5;
    const started = Array.from({ length: processes }, () =>
      start({ ...folder.base, serverUrl: t.url, units, runs }),
    );
    expect(await Promise.all(started.map((p) => p.exited))).toEqual(started.map(() => 0));
    const all = started.flatMap((p) => authorized(p.lines));
    expect(all).toHaveLength(processes * runs);
    await folder.online.flushUsage(); // whatever a process left queued when it ended
    expect((await folder.online.usage()).queued).toBe(0);
    expect((await serverBalance(t, folder.licenseKey)).unitsConsumed).toBe(all.length * units);
  });
});

describe("a process killed while it writes", processTimeout, () => {
  it("leaves a state that verifies, with every execution it announced, and does not block the others", async () => {
    const folder = await machineFolder({ accumulatedUnits: -1, unitsPerExecution: -1 });
    const victim = start({ ...folder.base, units: 1, runs: 0 });
    while (authorized(victim.lines).length < 30) await new Promise((r) => setTimeout(r, 10));
    victim.child.kill("SIGKILL");
    await victim.exited;
    const announced = authorized(victim.lines).map((l) => l.ok);
    const survivor = start({ ...folder.base, units: 1, runs: 3 });
    expect(await survivor.exited).toBe(0);
    const queue = stateOnDisk.read(folder.dir, "state");
    for (const id of announced) expect(queue).toContain(id);
    const usage = await folder.online.usage();
    // Announced, plus at most the one written before it could be announced, plus the survivor's 3.
    expect(usage.queued).toBeGreaterThanOrEqual(announced.length + 3);
    expect(usage.queued).toBeLessThanOrEqual(announced.length + 4);
    expect(authorized(survivor.lines)).toHaveLength(3);
    await folder.online.flushUsage();
    expect((await serverBalance(t, folder.licenseKey)).unitsConsumed).toBe(usage.queued);
  });
});
