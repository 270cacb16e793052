// Issue 12, defect 3 and the adversarial suite's clock cases (docs/client.md, "The clock"): the
// highest time ever seen (runs, validations, the server's signed times) only grows and every
// decision uses it; small steps back add up to a refusal; a clock set forward by mistake is set
// right by the server's signed time once online.
import { type DistributionUnderTest, startDistribution } from "@licensing/distribution/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStorage } from "../src/index.ts";
import { manager, reasonOf } from "./client-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution();
});
afterAll(() => t?.stop());

const day = 86_400_000;
const minute = 60_000;

describe("the clock set back", () => {
  it("never revives an expired license: a validation after the end is remembered", async () => {
    const end = Date.now() + 2 * day;
    const { file } = await t.issue({ endDate: new Date(end).toISOString() });
    let now = end - day;
    const m = await manager(t, { serverUrl: undefined, offline: true, now: () => new Date(now) });
    await m.load(file);
    await m.authorizeExecution({ units: 1 });
    now = end + day;
    expect(await reasonOf(m.validate())).toBe("expired");
    now = end - 3_600_000; // an hour before the end
    expect(await reasonOf(m.authorizeExecution({ units: 1 }))).toBe("clock_set_back");
    // A later process on the same state is refused the same way.
    expect(await reasonOf(m.validate())).toBe("clock_set_back");
  });

  it("adds up small steps back: 4 minutes per run is refused by the second step", async () => {
    const { file } = await t.issue({ accumulatedUnits: -1, unitsPerExecution: -1 });
    let now = Date.now();
    const storage = new MemoryStorage();
    const first = now;
    const run = async () => {
      const m = await manager(t, {
        serverUrl: undefined,
        offline: true,
        storage,
        fingerprint: "stepping-machine",
        now: () => new Date(now),
      });
      await m.load(file);
      return m.authorizeExecution({ units: 1 });
    };
    await run();
    now -= 4 * minute; // within the 5-minute tolerance of the highest time seen
    await run();
    now -= 4 * minute; // 8 minutes behind it now
    expect(await reasonOf(run())).toBe("clock_set_back");
    const m = await manager(t, {
      serverUrl: undefined,
      offline: true,
      storage,
      fingerprint: "stepping-machine",
      now: () => new Date(now),
    });
    // The last run recorded never moved backwards.
    expect((await m.usage()).lastExecutionAt).toBe(new Date(first).toISOString());
  });
});

describe("the clock set forward", () => {
  it("is refused while far from the server's time, and set right by a signed status", async () => {
    const { licenseKey } = await t.issue({ availableActivations: -1 });
    let offset = 0;
    const storage = new MemoryStorage();
    const fingerprint = "forward-machine";
    const m = await manager(t, {
      licenseKey,
      storage,
      fingerprint,
      now: () => new Date(Date.now() + offset),
    });
    await m.fetchLicense();
    await m.authorizeExecution({ units: 1 });
    offset = 400 * day; // past the license's end
    expect(await reasonOf(m.validate())).toBe("clock_mismatch"); // the server's signed time disagrees
    const offline = await manager(t, {
      licenseKey,
      storage,
      fingerprint,
      offline: true,
      now: () => new Date(Date.now() + offset),
    });
    expect(await reasonOf(offline.validate())).toBe("expired"); // a year ahead: remembered
    offset = 0;
    expect(await reasonOf(offline.validate())).toBe("clock_set_back"); // offline, nothing settles it
    await m.validate(); // online: the server's signed time is the truth, the clock was right
    expect((await m.authorizeExecution({ units: 1 })).queued).toBe(false);
    await offline.validate();
  });
});
