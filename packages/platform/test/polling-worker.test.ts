import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PollingWorker, type PollingWorkerOptions } from "../src/polling-worker.ts";

// When the loop looks for work, on a fake clock: each batch says how much it did (or throws), and
// the test reads the times the batches started at.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

async function batchTimes(
  outcomes: (number | Error)[],
  options: Partial<PollingWorkerOptions>,
  runForMs: number,
): Promise<number[]> {
  const startedAt: number[] = [];
  const t0 = Date.now();
  const worker = new PollingWorker({
    what: "probe",
    log: pino({ level: "silent" }),
    batchSize: 10,
    ...options,
    batch: async () => {
      startedAt.push(Date.now() - t0);
      const outcome = outcomes.shift() ?? 0;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  });
  worker.start();
  await vi.advanceTimersByTimeAsync(runForMs);
  await worker.stop();
  return startedAt;
}

describe("a polling worker", () => {
  it("goes on at once after a full batch, every busyPollMs while it finds work, every pollMs once idle", async () => {
    expect(await batchTimes([10, 3, 2, 0, 0], { pollMs: 1_000, busyPollMs: 100 }, 2_500)).toEqual([
      0, 0, 100, 200, 1_200, 2_200,
    ]);
  });

  it("looks every pollMs whatever it found, unless told otherwise", async () => {
    expect(await batchTimes([3, 2, 0], { pollMs: 1_000 }, 2_500)).toEqual([0, 1_000, 2_000]);
  });

  it("backs off from pollMs after failures, not from busyPollMs", async () => {
    const failed = new Error("the database is away");
    expect(await batchTimes([3, failed, failed, 1, 0], { pollMs: 1_000, busyPollMs: 100 }, 7_000)).toEqual([
      0, 100, 2_100, 6_100, 6_200,
    ]);
  });
});
