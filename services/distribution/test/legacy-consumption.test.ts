// Carrying a migrated license's legacy consumption (issue 14): its limits continue where they stood
// in the legacy system, a carry is idempotent per license, a later run moves the counters by the
// difference only, and a carry that comes before the license is applied when the license arrives.
import { distribution, newId } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { as, type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";
import {
  arrive,
  audits,
  carry,
  counters,
  migrated,
  stored,
  unseenLicense,
} from "./legacy-consumption-helpers.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution();
});
afterAll(() => t?.stop());

const usage = (licenseId: string) => t.env.bus.request(distribution.licenseUsage, { licenseId }, as);

describe("carrying legacy consumption", () => {
  it("continues the license's limits where the legacy system left them", async () => {
    const { id, guid } = await migrated(t, { accumulatedUnits: 1_000, availableActivations: 3 });
    const runId = newId("run");
    const answer = await carry(
      t,
      [
        {
          licenseId: id,
          unitsConsumed: 900,
          lastUsedAt: "2024-05-01T10:00:00Z",
          timesDownloaded: 13,
          machines: [
            {
              fingerprint: "LEGACY-PC-0001",
              activatedAt: "2019-02-03T04:05:06Z",
              lastSeenAt: "2024-05-01T10:00:00Z",
            },
            { fingerprint: "LEGACY-PC-0002", activatedAt: null, lastSeenAt: null },
          ],
        },
      ],
      { runId },
    );
    expect(answer).toEqual({ runId, items: [{ index: 0, licenseId: id, outcome: "applied", error: null }] });

    const seen = await usage(id);
    expect(seen).toMatchObject({ timesDownloaded: 13, activeMachines: 2 });
    expect(seen.balance).toMatchObject({
      unitsConsumed: 900,
      unitsRemaining: 100,
      lastUsedAt: "2024-05-01T10:00:00.000Z",
    });
    const first = seen.machines.find((m) => m.fingerprint === "LEGACY-PC-0001");
    expect(first).toMatchObject({
      status: "active",
      offline: true,
      hostname: "",
      platform: "legacy",
      activatedAt: "2019-02-03T04:05:06.000Z",
      lastHeartbeatAt: null,
      releaseAfter: null,
    });

    // 200 units are refused as they would be had the 900 been reported here; 100 fit.
    const tooMuch = await t.call("POST", "/v1/usage", {
      key: guid,
      body: { units: 200, idempotencyKey: "after-run-1" },
    });
    expect(tooMuch.statusCode).toBe(409);
    expect(tooMuch.json()).toMatchObject({ code: "units_exhausted", details: { unitsRemaining: 100 } });
    // A legacy machine is a known machine of the license: its reports are taken.
    const fits = await t.call("POST", "/v1/usage", {
      key: guid,
      body: { units: 100, idempotencyKey: "after-run-2", fingerprint: "LEGACY-PC-0001" },
    });
    expect(fits.json()).toMatchObject({ unitsConsumed: 1_000, unitsRemaining: 0 });

    // Two of three activations are taken: one more fits, then the limit holds.
    const third = await t.call("POST", "/v1/machines", {
      key: guid,
      body: { fingerprint: "new-machine-03" },
    });
    expect(third.statusCode).toBe(201);
    const fourth = await t.call("POST", "/v1/machines", {
      key: guid,
      body: { fingerprint: "new-machine-04" },
    });
    expect(fourth.json().code).toBe("activation_limit_reached");

    expect(await audits(t, id)).toEqual([
      {
        action: "legacy-consumption.applied",
        target_id: runId,
        actor_name: "root",
        request_id: expect.stringMatching(/^req_/),
        reason: `migration run ${runId}: 900 units consumed, 13 downloads, 2 machines (2 activated here)`,
      },
    ]);
  });

  it("answers unchanged for the same consumption again, however it is spelled, and changes nothing", async () => {
    const { id } = await migrated(t);
    const item = {
      licenseId: id,
      unitsConsumed: 40,
      lastUsedAt: "2024-01-01T00:00:00Z",
      timesDownloaded: 2,
      machines: [
        { fingerprint: "LEGACY-A-0001", activatedAt: "2020-01-01T00:00:00Z", lastSeenAt: null },
        { fingerprint: "LEGACY-B-0001", activatedAt: null, lastSeenAt: null },
      ],
    };
    const firstRun = newId("run");
    expect((await carry(t, [item], { runId: firstRun })).items[0]!.outcome).toBe("applied");
    const before = await counters(t, id);
    // Another run, the machines in another order, one named twice, a time with an offset.
    const again = await carry(t, [
      {
        ...item,
        lastUsedAt: "2024-01-01T01:00:00+01:00",
        machines: [item.machines[1]!, item.machines[0]!, { fingerprint: "LEGACY-B-0001" }],
      },
    ]);
    expect(again.items[0]).toMatchObject({ outcome: "unchanged", error: null });
    expect(await counters(t, id)).toEqual(before);
    expect(await audits(t, id)).toHaveLength(1);
    expect((await stored(t, id))!.run_id).toBe(firstRun);
  });

  it("moves the counters by the difference when a later run carries where the legacy system moved on", async () => {
    const { id, guid } = await migrated(t, { accumulatedUnits: 10_000, availableActivations: 5 });
    await carry(t, [
      {
        licenseId: id,
        unitsConsumed: 900,
        timesDownloaded: 4,
        lastUsedAt: "2024-03-01T00:00:00Z",
        machines: [{ fingerprint: "LEGACY-OLD-01" }],
      },
    ]);
    // Meanwhile the product reported here, and an operator deactivated the legacy machine.
    await t.call("POST", "/v1/usage", { key: guid, body: { units: 50, idempotencyKey: "meanwhile-1" } });
    const old = (await usage(id)).machines.find((m) => m.fingerprint === "LEGACY-OLD-01")!;
    await t.env.bus.request(distribution.deactivateMachine, { licenseId: id, machineId: old.id }, as);

    const later = await carry(t, [
      {
        licenseId: id,
        unitsConsumed: 1_200,
        timesDownloaded: 6,
        lastUsedAt: "2024-06-01T00:00:00Z",
        machines: [{ fingerprint: "LEGACY-OLD-01" }, { fingerprint: "LEGACY-NEW-01" }],
      },
    ]);
    expect(later.items[0]!.outcome).toBe("applied");
    const seen = await usage(id);
    // 1,200 legacy units and the 50 reported here: the first 900 are not counted twice.
    expect(seen.balance).toMatchObject({ unitsConsumed: 1_250, lastUsedAt: expect.any(String) });
    expect(seen.timesDownloaded).toBe(6);
    // The new legacy machine is activated; the one an operator deactivated stays so.
    const active = seen.machines.filter((m) => m.status === "active").map((m) => m.fingerprint);
    expect(active).toEqual(["LEGACY-NEW-01"]);
    expect(seen.activeMachines).toBe(1);
    expect(await audits(t, id)).toHaveLength(3);
  });

  it("moves the counters down when a later run carries lower values, never below what was reported here", async () => {
    const { id, guid } = await migrated(t);
    await carry(t, [
      { licenseId: id, unitsConsumed: 900, timesDownloaded: 9, lastUsedAt: "2024-06-01T00:00:00Z" },
    ]);
    await t.call("POST", "/v1/usage", { key: guid, body: { units: 50, idempotencyKey: "lowered-1" } });
    const lastUse = (await counters(t, id)).last_used_at;
    const lowered = await carry(t, [
      { licenseId: id, unitsConsumed: 400, timesDownloaded: 1, lastUsedAt: "2023-01-01T00:00:00Z" },
    ]);
    expect(lowered.items[0]!.outcome).toBe("applied");
    // The last use stays the later one.
    expect(await counters(t, id)).toMatchObject({
      units_consumed: 450,
      times_downloaded: 1,
      last_used_at: lastUse,
    });
    const down = await carry(t, [{ licenseId: id, unitsConsumed: 0, timesDownloaded: 0 }]);
    expect(down.items[0]!.outcome).toBe("applied");
    expect(await counters(t, id)).toMatchObject({ units_consumed: 50, times_downloaded: 0 });
  });

  it("carries legacy machines past the activation limit, and counts an already active fingerprint once", async () => {
    const { id, guid } = await migrated(t, { availableActivations: 2 });
    const online = await t.call("POST", "/v1/machines", { key: guid, body: { fingerprint: "SHARED-PC-01" } });
    expect(online.statusCode).toBe(201);
    const answer = await carry(t, [
      {
        licenseId: id,
        machines: [
          { fingerprint: "SHARED-PC-01" },
          { fingerprint: "LEGACY-X-01" },
          { fingerprint: "LEGACY-Y-01" },
        ],
      },
    ]);
    expect(answer.items[0]!.outcome).toBe("applied");
    const seen = await usage(id);
    expect(seen.activeMachines).toBe(3);
    const shared = seen.machines.filter((m) => m.fingerprint === "SHARED-PC-01");
    expect(shared).toMatchObject([{ offline: false, platform: "" }]);
    // Above its limit, the license takes no new machine until enough are deactivated.
    const more = await t.call("POST", "/v1/machines", { key: guid, body: { fingerprint: "another-pc-01" } });
    expect(more.json()).toMatchObject({ code: "activation_limit_reached" });
    expect((await audits(t, id))[0]!.reason).toMatch(/3 machines \(2 activated here\)$/);
  });

  it("takes items naming the same license in one request in their order", async () => {
    const { id } = await migrated(t);
    const answer = await carry(t, [
      { licenseId: id, unitsConsumed: 100 },
      { licenseId: id, unitsConsumed: 100 },
      { licenseId: id, unitsConsumed: 300 },
    ]);
    expect(answer.items.map((i) => [i.index, i.outcome])).toEqual([
      [0, "applied"],
      [1, "unchanged"],
      [2, "applied"],
    ]);
    expect((await counters(t, id)).units_consumed).toBe(300);
  });

  it("counts the same license carried twice at once only once", async () => {
    const { id } = await migrated(t, { availableActivations: 5 });
    const item = {
      licenseId: id,
      unitsConsumed: 700,
      timesDownloaded: 3,
      machines: [{ fingerprint: "TWIN-PC-01" }],
    };
    const answers = await Promise.all(Array.from({ length: 6 }, () => carry(t, [item])));
    const outcomes = answers.map((a) => a.items[0]!.outcome).sort();
    expect(outcomes).toEqual(["applied", "unchanged", "unchanged", "unchanged", "unchanged", "unchanged"]);
    expect(await counters(t, id)).toMatchObject({
      units_consumed: 700,
      times_downloaded: 3,
      active_machines: 1,
    });
  });

  it("activates alongside products activating the same machines, and counts each machine once", async () => {
    for (let round = 0; round < 4; round++) {
      const { id, guid } = await migrated(t, { availableActivations: 100 });
      const fingerprints = Array.from(
        { length: 12 },
        (_, i) => `BOTH-PC-${round}-${String(i).padStart(2, "0")}`,
      );
      const [answer, ...activations] = await Promise.all([
        carry(t, [{ licenseId: id, machines: fingerprints.map((fingerprint) => ({ fingerprint })) }]),
        ...fingerprints.map((fingerprint) =>
          t.call("POST", "/v1/machines", { key: guid, body: { fingerprint } }),
        ),
      ]);
      expect(answer.items[0]).toMatchObject({ outcome: "applied", error: null });
      expect(activations.map((a) => a.statusCode).every((code) => code === 200 || code === 201)).toBe(true);
      const seen = await usage(id);
      expect(seen.machines.filter((m) => m.status === "active")).toHaveLength(12);
      expect(seen.activeMachines).toBe(12);
    }
  });
});

describe("a carry that comes before the license", () => {
  it("is pending, kept, and applied when the license arrives", async () => {
    const event = await unseenLicense(t);
    const runId = newId("run");
    const item = {
      licenseId: event.licenseId,
      unitsConsumed: 300,
      timesDownloaded: 5,
      lastUsedAt: "2024-02-02T00:00:00Z",
      machines: [{ fingerprint: "EARLY-PC-01" }],
    };
    const early = await carry(t, [{ ...item, unitsConsumed: 250 }], { runId });
    expect(early.items[0]).toMatchObject({ outcome: "pending", error: null });
    // Carried again before the license: the newer values replace the pending ones, still pending.
    expect((await carry(t, [item], { runId })).items[0]!.outcome).toBe("pending");
    expect((await carry(t, [item], { runId })).items[0]!.outcome).toBe("pending");
    expect((await stored(t, event.licenseId))!.applied_at).toBeNull();

    await arrive(t, event);
    expect(await counters(t, event.licenseId)).toMatchObject({
      units_consumed: 300,
      times_downloaded: 5,
      active_machines: 1,
      last_used_at: "2024-02-02T00:00:00.000Z",
    });
    expect((await stored(t, event.licenseId))!.applied_at).not.toBeNull();
    expect(await audits(t, event.licenseId)).toMatchObject([
      {
        action: "legacy-consumption.applied",
        target_id: runId,
        actor_name: "root",
        request_id: expect.any(String),
      },
    ]);
    // Now carried again: it is what the counters include.
    expect((await carry(t, [item])).items[0]!.outcome).toBe("unchanged");
  });

  it("is kept pending together for several licenses, with a license already here carried on its own", async () => {
    const events = [await unseenLicense(t), await unseenLicense(t), await unseenLicense(t)];
    const here = await migrated(t);
    const runId = newId("run");
    const items = [
      ...events.map((e, n) => ({
        licenseId: e.licenseId,
        unitsConsumed: 100 + n,
        machines: [{ fingerprint: `BULK-PC-0${n}` }],
      })),
      { licenseId: here.id, unitsConsumed: 40 },
    ];
    const first = await carry(t, items, { runId });
    expect(first.items.map((i) => [i.index, i.outcome])).toEqual([
      [0, "pending"],
      [1, "pending"],
      [2, "pending"],
      [3, "applied"],
    ]);
    // The same again: still pending (not applied twice when the licenses come), and unchanged here.
    expect((await carry(t, items, { runId })).items.map((i) => i.outcome)).toEqual([
      "pending",
      "pending",
      "pending",
      "unchanged",
    ]);
    for (const event of events) await arrive(t, event);
    for (const [n, event] of events.entries())
      expect(await counters(t, event.licenseId)).toMatchObject({
        units_consumed: 100 + n,
        active_machines: 1,
      });
    expect((await carry(t, items, { runId })).items.map((i) => i.outcome)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
  });

  it("is applied once however it races the license's arrival", async () => {
    // The carry starts a little later each round: first ahead of the event, then about with it, then after.
    for (let round = 0; round < 8; round++) {
      const event = await unseenLicense(t);
      const item = {
        licenseId: event.licenseId,
        unitsConsumed: 77,
        machines: [{ fingerprint: "RACE-PC-01" }],
      };
      const late = async () => {
        await new Promise((r) => setTimeout(r, round * 4));
        return carry(t, [item]);
      };
      const [answer] = await Promise.all([late(), arrive(t, event)]);
      const outcome = answer.items[0]!.outcome;
      expect(["pending", "applied"]).toContain(outcome);
      await expect
        .poll(() => stored(t, event.licenseId).then((row) => row?.applied_at ?? null))
        .not.toBeNull();
      expect(await counters(t, event.licenseId)).toMatchObject({ units_consumed: 77, active_machines: 1 });
      expect((await carry(t, [item])).items[0]!.outcome).toBe("unchanged");
    }
  });
});
