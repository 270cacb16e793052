// Issue 12, defect 7: the server no longer trusts usage details. A report with an execution mode the
// license does not allow is 400 naming `executionMode`; a report from a fingerprint that never
// activated a node-locked license (one that limits its activations) nor held one of its fleet
// seats is 403 fingerprint_mismatch. Reports queued while a machine was active still count after
// it is released or deactivated.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution({ timings: { leaseTtlMs: 60_000 } });
});
afterAll(() => t?.stop());

const report = (key: string, body: object) => t.call("POST", "/v1/usage", { key, body });

describe("POST /v1/usage checks what the report says", () => {
  it("refuses an execution mode the license does not allow, naming the field", async () => {
    const { licenseKey } = await t.issue({ availableActivations: -1, executionModes: ["scanning"] });
    const allowed = await report(licenseKey, {
      units: 1,
      idempotencyKey: "mode-ok-01",
      executionMode: "scanning",
    });
    expect(allowed.statusCode).toBe(200);
    const refused = await report(licenseKey, {
      units: 1,
      idempotencyKey: "mode-bad-01",
      executionMode: "migration",
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "executionMode" }] },
    });
    expect(refused.json().requestId).toMatch(/^req_/);
    const balance = (await t.call("GET", "/v1/usage", { key: licenseKey })).json();
    expect(balance.unitsConsumed).toBe(1);
  });

  it("refuses a fingerprint that never activated a node-locked license", async () => {
    const { licenseKey } = await t.issue({ availableActivations: 2 });
    const stranger = await report(licenseKey, {
      units: 1,
      idempotencyKey: "stranger-01",
      fingerprint: "never-seen-1",
    });
    expect(stranger.statusCode).toBe(403);
    expect(stranger.json().code).toBe("fingerprint_mismatch");
    await t.call("POST", "/v1/machines", { key: licenseKey, body: { fingerprint: "activated-1" } });
    expect(
      (await report(licenseKey, { units: 1, idempotencyKey: "known-01", fingerprint: "activated-1" }))
        .statusCode,
    ).toBe(200);
    // Deactivated since: a report it queued while active still counts.
    await t.call("POST", "/v1/machines/deactivate", {
      key: licenseKey,
      body: { fingerprint: "activated-1" },
    });
    expect(
      (await report(licenseKey, { units: 1, idempotencyKey: "known-02", fingerprint: "activated-1" }))
        .statusCode,
    ).toBe(200);
    expect((await t.call("GET", "/v1/usage", { key: licenseKey })).json().unitsConsumed).toBe(2);
  });

  it("accepts collectors of a fleet that held a lease, and any fingerprint when activations are unlimited", async () => {
    const fleet = await t.issue({ products: ["cockpit"], seats: 2 });
    const lease = await t.call("POST", "/v1/leases", {
      key: fleet.licenseKey,
      body: { fingerprint: "collector-a1" },
    });
    expect(lease.statusCode).toBe(200);
    expect(
      (await report(fleet.licenseKey, { units: 1, idempotencyKey: "fleet-01", fingerprint: "collector-a1" }))
        .statusCode,
    ).toBe(200);
    expect(
      (await report(fleet.licenseKey, { units: 1, idempotencyKey: "fleet-02", fingerprint: "collector-zz" }))
        .statusCode,
    ).toBe(403);
    const open = await t.issue({ availableActivations: -1 });
    expect(
      (await report(open.licenseKey, { units: 1, idempotencyKey: "open-run-01", fingerprint: "anyone-01" }))
        .statusCode,
    ).toBe(200);
  });
});
