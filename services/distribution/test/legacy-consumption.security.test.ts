// Who may carry legacy consumption, and what a bad request or a bad item does: refused as a whole
// before anything is stored (a request that breaks the contract), or failed alone while the others
// go on (an item the data refuses), never half-written.
import { randomUUID } from "node:crypto";
import { actorKeysOf, contextToHeaders } from "@licensing/bus";
import { type Actor, distribution, issuer, newId } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  as,
  type DistributionUnderTest,
  operator,
  startDistribution,
  superadmin,
} from "./distribution-harness.ts";
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

/** Sends a body as raw JSON (the typed client would refuse it before sending). */
async function raw(body: unknown, actor: Actor | null = superadmin) {
  const reply = await t.env.nc.request(
    `${t.env.prefix}.${distribution.importLegacyConsumption.subject}`,
    JSON.stringify(body),
    {
      headers: contextToHeaders(
        { requestId: newId("request"), ...(actor ? { actor } : {}) },
        actorKeysOf(t.env.nc),
      ),
      timeout: 10_000,
    },
  );
  return JSON.parse(reply.string());
}

describe("who may carry legacy consumption", () => {
  it("refuses a request without an acting user, and stores nothing", async () => {
    const { id } = await migrated(t);
    const body = { runId: newId("run"), items: [{ licenseId: id, unitsConsumed: 900 }] };
    expect(await raw(body, null)).toMatchObject({ code: "unauthorized" });
    expect(await stored(t, id)).toBeNull();
    expect((await counters(t, id)).units_consumed).toBe(0);
  });

  it("refuses roles that may not import licenses", async () => {
    const { id } = await migrated(t);
    const viewer: Actor = { id: "usr_view", username: "vera", roles: ["viewer"] };
    const sales: Actor = { id: "usr_sales", username: "sam", roles: ["sales", "support"] };
    for (const actor of [operator, viewer, sales]) {
      await expect(carry(t, [{ licenseId: id, unitsConsumed: 900 }], { actor })).rejects.toMatchObject({
        code: "forbidden",
        message: `${actor.username} may not carry legacy consumption`,
      });
    }
    expect(await stored(t, id)).toBeNull();
    expect(await audits(t, id)).toEqual([]);
  });
});

describe("a request that breaks the contract", () => {
  it("is refused whole, naming the field, for a license id of another shape", async () => {
    const { id } = await migrated(t);
    for (const bad of ["acc_0123456789", "lic-not-an-id", "", "LIC_X", `${id}'; drop table x;--`]) {
      const answer = await raw({
        runId: newId("run"),
        items: [
          { licenseId: id, unitsConsumed: 5 },
          { licenseId: bad, unitsConsumed: 5 },
        ],
      });
      expect(answer, bad).toMatchObject({
        code: "validation_failed",
        details: { issues: [expect.objectContaining({ path: "items.1.licenseId" })] },
      });
    }
    expect(await stored(t, id)).toBeNull();
  });

  it("is refused whole for a NUL in a fingerprint, and nothing is stored", async () => {
    const { id } = await migrated(t);
    const answer = await raw({
      runId: newId("run"),
      items: [{ licenseId: id, unitsConsumed: 5, machines: [{ fingerprint: "LEGACY\u0000PC" }] }],
    });
    expect(answer).toMatchObject({
      code: "validation_failed",
      details: { issues: [expect.objectContaining({ path: "items.0.machines.0.fingerprint" })] },
    });
    expect(await stored(t, id)).toBeNull();
    expect((await counters(t, id)).active_machines).toBe(0);
  });

  it("is refused for negative or fractional counts, unknown members, a bad run id, no items", async () => {
    const { id } = await migrated(t);
    const runId = newId("run");
    const cases: [unknown, string][] = [
      [{ runId, items: [{ licenseId: id, unitsConsumed: -1 }] }, "items.0.unitsConsumed"],
      [{ runId, items: [{ licenseId: id, timesDownloaded: 1.5 }] }, "items.0.timesDownloaded"],
      [{ runId, items: [{ licenseId: id, units: 5 }] }, "items.0.units"],
      [
        { runId, items: [{ licenseId: id, machines: [{ fingerprint: "   " }] }] },
        "items.0.machines.0.fingerprint",
      ],
      [{ runId, items: [{ licenseId: id, lastUsedAt: "yesterday" }] }, "items.0.lastUsedAt"],
      [{ runId: "mig_1", items: [{ licenseId: id }] }, "runId"],
      [{ runId, items: [] }, "items"],
    ];
    for (const [body, path] of cases) {
      const answer = await raw(body);
      expect(answer, JSON.stringify(body)).toMatchObject({ code: "validation_failed" });
      expect(answer.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect(await stored(t, id)).toBeNull();
  });
});

describe("a bad item", () => {
  it("fails alone with its error while the others are carried", async () => {
    const good = await migrated(t);
    const issued = await t.issue();
    const answer = await carry(t, [
      { licenseId: issued.id, unitsConsumed: 10 },
      { licenseId: good.id, unitsConsumed: 10 },
    ]);
    expect(answer.items).toEqual([
      {
        index: 0,
        licenseId: issued.id,
        outcome: "failed",
        error: {
          code: "invalid_state",
          message: expect.stringMatching(/was not migrated from a legacy system/),
        },
      },
      { index: 1, licenseId: good.id, outcome: "applied", error: null },
    ]);
    expect((await counters(t, issued.id)).units_consumed).toBe(0);
    expect(await stored(t, issued.id)).toBeNull();
    expect((await counters(t, good.id)).units_consumed).toBe(10);
  });

  it("leaves nothing half-written when its counters would pass what a number can tell exactly", async () => {
    const { id, guid } = await migrated(t, { accumulatedUnits: -1, unitsPerExecution: -1 });
    await t.call("POST", "/v1/usage", { key: guid, body: { units: 10, idempotencyKey: "before-overflow" } });
    const answer = await carry(t, [
      { licenseId: id, unitsConsumed: Number.MAX_SAFE_INTEGER, machines: [{ fingerprint: "OVERFLOW-PC-1" }] },
    ]);
    expect(answer.items[0]).toMatchObject({ outcome: "failed", error: { code: "validation_failed" } });
    expect(await counters(t, id)).toMatchObject({ units_consumed: 10, active_machines: 0 });
    expect(await stored(t, id)).toBeNull();
    expect(await audits(t, id)).toEqual([]);
    // The balance still answers.
    const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: id }, as);
    expect(usage.balance.unitsConsumed).toBe(10);
  });

  it("is not applied to a license that arrives without a legacy key, and is refused until it has one", async () => {
    const { legacyKeyHash, ...event } = await unseenLicense(t);
    const item = {
      licenseId: event.licenseId,
      unitsConsumed: 40,
      machines: [{ fingerprint: "NATIVE-PC-01" }],
    };
    expect((await carry(t, [item])).items[0]!.outcome).toBe("pending");
    await arrive(t, event);
    expect(await counters(t, event.licenseId)).toMatchObject({ units_consumed: 0, active_machines: 0 });
    expect((await stored(t, event.licenseId))!.applied_at).toBeNull();
    const later = await carry(t, [item]);
    expect(later.items[0]).toMatchObject({ outcome: "failed", error: { code: "invalid_state" } });
    // A newer file gives it its legacy key (an issuer of 1.1 after one of 1.0): the same values apply.
    const renewed = { ...event, legacyKeyHash, serial: 2, at: new Date(Date.now() + 1_000).toISOString() };
    await arrive(t, renewed, "license.renewed");
    expect((await carry(t, [item])).items[0]!.outcome).toBe("applied");
    expect(await counters(t, event.licenseId)).toMatchObject({ units_consumed: 40, active_machines: 1 });
    expect((await carry(t, [item])).items[0]!.outcome).toBe("unchanged");
  });

  it("refuses a license whose migration run was rolled back", async () => {
    const guid = randomUUID();
    const { id, runId } = await t.importLegacy(guid);
    await t.env.bus.request(
      issuer.rollbackMigration,
      { runId },
      { ctx: { requestId: "req_rollback", actor: superadmin } },
    );
    await t.synced(id, 1, "revoked");
    // Re-imported: the GUID moves to the new license, the old one no longer counts as migrated.
    const again = await t.importLegacy(guid);
    const answer = await carry(t, [
      { licenseId: id, unitsConsumed: 3 },
      { licenseId: again.id, unitsConsumed: 3 },
    ]);
    expect(answer.items.map((i) => i.outcome)).toEqual(["failed", "applied"]);
  });
});
