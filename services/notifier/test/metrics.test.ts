import { type MetricsServer, startMetricsServer } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type NotifierReplica, type Platform, patience, startPlatform } from "./notifier-harness.ts";

// The digest's runs and the time of the last one, as Prometheus reads them from /metrics (the
// alert LicensingDigestNotRun fires on the latter). Time is the test's clock.
let platform: Platform;
let replica: NotifierReplica;
let metrics: MetricsServer;

beforeAll(async () => {
  platform = await startPlatform({ clock: "2031-06-01T11:00:00Z" });
  const account = await platform.account("Metrics Corp");
  await platform.license(account.id, { endDate: "2031-06-20T12:00:00Z", notifyDays: 60 });
  replica = await platform.addNotifier();
  await platform.configure({ dailyTime: "08:00", timeZone: "America/New_York" });
  metrics = (await startMetricsServer("notifier", 0, platform.env.log))!;
});
afterAll(async () => {
  await metrics?.close();
  await platform?.stop();
});

async function scrape(series: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : undefined;
}
const runs = (outcome: string) => scrape(`lic_digest_runs_total{outcome="${outcome}",service="notifier"}`);
const lastRun = () => scrape(`lic_digest_last_run_timestamp_seconds{service="notifier"}`);

describe("digest metrics", () => {
  it("start every outcome at 0, and the last run's time at 0 before the first", async () => {
    expect(await runs("sent")).toBe(0);
    expect(await runs("failed")).toBe(0);
    expect(await runs("nothing_to_report")).toBe(0);
    expect(await lastRun()).toBe(0);
  });

  it("count a sent digest and report when it went", async () => {
    platform.clock.set("2031-06-02T12:00:00Z");
    await replica.service.scheduler.tick();
    await platform.smtp.waitFor(1);
    await vi.waitFor(async () => expect(await runs("sent")).toBe(1), patience);
    expect(await lastRun()).toBe(Date.parse("2031-06-02T12:00:00Z") / 1_000);
  });

  it("count a failed attempt, and keep the last completed run's time", async () => {
    platform.smtp.refuseNext(1);
    platform.clock.set("2031-06-03T12:00:00Z");
    await replica.service.scheduler.tick();
    await vi.waitFor(async () => expect(await runs("failed")).toBe(1), patience);
    expect(await lastRun()).toBe(Date.parse("2031-06-02T12:00:00Z") / 1_000);
  });

  it("report the last run's time as 0 while the digest is disabled (the alert skips 0)", async () => {
    await platform.configure({ enabled: false });
    expect(await lastRun()).toBe(0);
    await platform.configure({ enabled: true });
    expect(await lastRun()).toBe(Date.parse("2031-06-02T12:00:00Z") / 1_000);
  });
});
