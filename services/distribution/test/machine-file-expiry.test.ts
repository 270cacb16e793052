// Issue 12, defect 6: a machine that sends heartbeats gets machine files that expire when the
// service would release it (its last heartbeat plus the timeout), never 7 days later, so it cannot
// keep working offline on a slot given to another machine. One that never sends heartbeats (and an
// offline activation) keeps the long file: it is never released for silence.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution({ timings: { heartbeatTimeoutMs: 60_000 } });
});
afterAll(() => t?.stop());

function expiryOf(file: { expiresAt: string }): number {
  return Date.parse(file.expiresAt);
}

describe("the machine file of a heartbeat-bound activation", () => {
  it("expires when the machine would be released, and each heartbeat moves that on", async () => {
    const { licenseKey } = await t.issue({ availableActivations: 1 });
    const body = { fingerprint: "floating-machine-1" };
    await t.call("POST", "/v1/machines", { key: licenseKey, body });
    const before = (await t.call("POST", "/v1/machines/file", { key: licenseKey, body })).json();
    expect(expiryOf(before)).toBeGreaterThan(t.clock.now().getTime() + 6 * 86_400_000);
    const beat = await t.call("POST", "/v1/machines/heartbeat", { key: licenseKey, body });
    const releaseAfter = Date.parse(beat.json().activation.releaseAfter);
    const after = (await t.call("POST", "/v1/machines/file", { key: licenseKey, body })).json();
    expect(expiryOf(after)).toBe(releaseAfter);
    expect(expiryOf(after)).toBeLessThanOrEqual(t.clock.now().getTime() + 60_000);
    t.clock.advance(30_000);
    try {
      await t.call("POST", "/v1/machines/heartbeat", { key: licenseKey, body });
      const later = (await t.call("POST", "/v1/machines/file", { key: licenseKey, body })).json();
      expect(expiryOf(later)).toBeGreaterThan(expiryOf(after));
    } finally {
      t.clock.advance(-30_000);
    }
  });
});
