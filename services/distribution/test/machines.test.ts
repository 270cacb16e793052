import { distribution, issuer } from "@licensing/contracts";
import { queryOne } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { as, type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution({ timings: { heartbeatTimeoutMs: 60_000 } });
});
afterAll(() => t?.stop());

const activate = (key: string, fingerprint: string, hostname = "host") =>
  t.call("POST", "/v1/machines", { key, body: { fingerprint, hostname, platform: "linux-x64" } });

describe("POST /v1/machines (activation)", () => {
  it("never activates more machines than availableActivations: 200 concurrent against 5", async () => {
    const { licenseKey, id } = await t.issue({ availableActivations: 5 });
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        activate(licenseKey, `fingerprint-${String(i).padStart(4, "0")}`),
      ),
    );
    const created = answers.filter((a) => a.statusCode === 201);
    const refused = answers.filter((a) => a.statusCode === 409);
    expect(created).toHaveLength(5);
    expect(refused).toHaveLength(195);
    for (const r of refused) expect(r.json().code).toBe("activation_limit_reached");
    const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: id });
    expect(usage.activeMachines).toBe(5);
    expect(usage.machines.filter((m) => m.status === "active")).toHaveLength(5);
  });

  it("makes one activation of 50 concurrent requests with one fingerprint", async () => {
    const { licenseKey, id } = await t.issue({ availableActivations: 3 });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => activate(licenseKey, "same-machine-01")),
    );
    expect(answers.every((a) => a.statusCode === 200 || a.statusCode === 201)).toBe(true);
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.json().activation.id)).size).toBe(1);
    const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: id });
    expect(usage.activeMachines).toBe(1);
  });

  it("frees a slot on deactivation; -1 is unlimited; a bound license takes only its machine", async () => {
    const one = await t.issue({ availableActivations: 1 });
    expect((await activate(one.licenseKey, "machine-a-01")).statusCode).toBe(201);
    expect((await activate(one.licenseKey, "machine-b-01")).json().code).toBe("activation_limit_reached");
    const off = await t.call("POST", "/v1/machines/deactivate", {
      key: one.licenseKey,
      body: { fingerprint: "machine-a-01" },
    });
    expect(off.json().activation.status).toBe("deactivated");
    const again = await t.call("POST", "/v1/machines/deactivate", {
      key: one.licenseKey,
      body: { fingerprint: "machine-a-01" },
    });
    expect(again.statusCode).toBe(404);
    expect((await activate(one.licenseKey, "machine-b-01")).statusCode).toBe(201);

    const unlimited = await t.issue({ availableActivations: -1 });
    const many = await Promise.all(
      Array.from({ length: 30 }, (_, i) => activate(unlimited.licenseKey, `many-${i}-xyz`)),
    );
    expect(many.every((a) => a.statusCode === 201)).toBe(true);

    const bound = await t.issue({ fingerprint: "the-bound-machine" });
    expect((await activate(bound.licenseKey, "another-machine")).json().code).toBe("fingerprint_mismatch");
    expect((await activate(bound.licenseKey, "the-bound-machine")).statusCode).toBe(201);
  });

  it("refuses malformed input before any lookup, naming the field", async () => {
    const { licenseKey } = await t.issue();
    const short = await t.call("POST", "/v1/machines", { key: licenseKey, body: { fingerprint: "x" } });
    expect(short.statusCode).toBe(400);
    expect(short.json().details.issues[0].path).toBe("fingerprint");
    const junk = await t.call("POST", "/v1/machines", {
      key: licenseKey,
      body: "not json" as unknown as object,
    });
    expect(junk.statusCode).toBe(400);
    const huge = await t.call("POST", "/v1/machines", {
      key: licenseKey,
      body: { fingerprint: "f".repeat(600) },
    });
    expect(huge.statusCode).toBe(400);
  });

  it("refuses an expired license", async () => {
    const { licenseKey } = await t.issue({
      startDate: new Date(Date.now() - 10 * 86_400_000).toISOString(),
      endDate: new Date(Date.now() + 86_400_000).toISOString(),
    });
    t.clock.advance(2 * 86_400_000);
    try {
      expect((await activate(licenseKey, "late-machine")).json().code).toBe("license_expired");
    } finally {
      t.clock.advance(-2 * 86_400_000);
    }
  });
});

describe("heartbeats", () => {
  it("release a machine whose heartbeats stop, never one that never sent any", async () => {
    const { licenseKey, id } = await t.issue({ availableActivations: 2 });
    await activate(licenseKey, "beating-machine");
    await activate(licenseKey, "silent-machine");
    const beat = await t.call("POST", "/v1/machines/heartbeat", {
      key: licenseKey,
      body: { fingerprint: "beating-machine" },
    });
    expect(beat.statusCode).toBe(200);
    expect(beat.json().activation.releaseAfter).not.toBeNull();
    t.clock.advance(61_000);
    try {
      const swept = await t.service.sweep();
      expect(swept.machines).toBeGreaterThanOrEqual(1);
      const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: id });
      const byFingerprint = Object.fromEntries(usage.machines.map((m) => [m.fingerprint, m]));
      expect(byFingerprint["beating-machine"]).toMatchObject({
        status: "released",
        endReason: "no heartbeat",
      });
      expect(byFingerprint["silent-machine"]?.status).toBe("active");
      expect(usage.activeMachines).toBe(1);
      const late = await t.call("POST", "/v1/machines/heartbeat", {
        key: licenseKey,
        body: { fingerprint: "beating-machine" },
      });
      expect(late.statusCode).toBe(404);
      expect((await activate(licenseKey, "beating-machine")).statusCode).toBe(201);
    } finally {
      t.clock.advance(-61_000);
    }
  });
});

describe("operators over the bus", () => {
  it("list machines, deactivate one (audited, with the actor), and need an actor", async () => {
    const { licenseKey, id } = await t.issue({ availableActivations: 2 });
    const { activation } = (await activate(licenseKey, "ops-machine-1", "build-01")).json();
    const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: id });
    expect(usage.machines[0]).toMatchObject({
      fingerprint: "ops-machine-1",
      hostname: "build-01",
      platform: "linux-x64",
    });
    const noActor = await t.env.bus
      .request(distribution.deactivateMachine, { licenseId: id, machineId: activation.id })
      .catch((e: { code: string }) => e);
    expect((noActor as { code: string }).code).toBe("unauthorized");
    const ended = await t.env.bus.request(
      distribution.deactivateMachine,
      { licenseId: id, machineId: activation.id, reason: "machine scrapped" },
      as,
    );
    expect(ended.status).toBe("deactivated");
    const twice = await t.env.bus.request(
      distribution.deactivateMachine,
      { licenseId: id, machineId: activation.id },
      as,
    );
    expect(twice.status).toBe("deactivated");
    const audit = await queryOne<{ action: string; actor_name: string; reason: string }>(
      t.orm,
      "select action, actor_name, reason from distribution.audit_log where entity_id = $1",
      [activation.id],
    );
    expect(audit).toEqual({ action: "machine.deactivated", actor_name: "olga", reason: "machine scrapped" });
    const missing = await t.env.bus
      .request(distribution.licenseUsage, { licenseId: "lic_0000000000UNKNOWN" })
      .catch((e: { code: string }) => e);
    expect((missing as { code: string }).code).toBe("not_found");
  });

  it("keeps activations and their count across a renewal", async () => {
    const { licenseKey, id } = await t.issue({ availableActivations: 2 });
    await activate(licenseKey, "renew-machine-1");
    await t.env.bus.request(issuer.renew, { id, extendDays: 10 }, as);
    await t.synced(id, 2);
    expect((await activate(licenseKey, "renew-machine-2")).statusCode).toBe(201);
  });
});

describe("an amended license (license.amended)", () => {
  it("serves the amended version, and the issuer refuses fewer activations than machines active", async () => {
    const { licenseKey, id } = await t.issue({ availableActivations: 2 });
    expect((await activate(licenseKey, "amend-machine-01")).statusCode).toBe(201);
    expect((await activate(licenseKey, "amend-machine-02")).statusCode).toBe(201);
    expect((await activate(licenseKey, "amend-machine-03")).json().code).toBe("activation_limit_reached");
    // The issuer asks distribution what is in use: two machines, so one activation is refused.
    await expect(t.env.bus.request(issuer.amend, { id, availableActivations: 1 }, as)).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "availableActivations" }] },
    });
    await t.env.bus.request(issuer.amend, { id, availableActivations: 3 }, as);
    await t.synced(id, 2);
    expect((await t.call("GET", "/v1/license", { key: licenseKey })).json().serial).toBe(2);
    expect((await activate(licenseKey, "amend-machine-03")).statusCode).toBe(201);
    const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: id });
    expect(usage).toMatchObject({ serial: 2, availableActivations: 3, activeMachines: 3 });
  });
});
