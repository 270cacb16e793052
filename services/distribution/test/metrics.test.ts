import { type MetricsServer, startMetricsServer } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

// Activations and usage reports as Prometheus reads them from /metrics, after products' calls.
let t: DistributionUnderTest;
let metrics: MetricsServer;

beforeAll(async () => {
  t = await startDistribution();
  metrics = (await startMetricsServer("distribution", 0, t.env.log))!;
});
afterAll(async () => {
  await metrics?.close();
  await t?.stop();
});

/** The value of one series on /metrics (0 when absent). */
async function scrape(series: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const activations = (outcome: string) =>
  scrape(`lic_activations_total{outcome="${outcome}",service="distribution"}`);
const reports = (outcome: string) =>
  scrape(`lic_usage_reports_total{outcome="${outcome}",service="distribution"}`);

describe("lic_activations_total", () => {
  it("counts new activations, repeats and refusals by outcome", async () => {
    const { licenseKey } = await t.issue({ availableActivations: 1 });
    const before = {
      created: await activations("created"),
      existing: await activations("existing"),
      refused: await activations("activation_limit_reached"),
    };
    const activate = (fingerprint: string) =>
      t.call("POST", "/v1/machines", { key: licenseKey, body: { fingerprint } });
    expect((await activate("machine-0001")).statusCode).toBe(201);
    expect((await activate("machine-0001")).statusCode).toBe(200);
    expect((await activate("machine-0002")).statusCode).toBe(409);
    expect(await activations("created")).toBe(before.created + 1);
    expect(await activations("existing")).toBe(before.existing + 1);
    expect(await activations("activation_limit_reached")).toBe(before.refused + 1);
  });
});

describe("lic_usage_reports_total and lic_usage_units_total", () => {
  it("counts reports by outcome, and units only once per report", async () => {
    const { licenseKey } = await t.issue({ accumulatedUnits: 10, unitsPerExecution: 10 });
    const before = {
      counted: await reports("counted"),
      duplicate: await reports("duplicate"),
      exhausted: await reports("units_exhausted"),
      units: await scrape(`lic_usage_units_total{service="distribution"}`),
    };
    const report = (units: number, idempotencyKey: string) =>
      t.call("POST", "/v1/usage", { key: licenseKey, body: { units, idempotencyKey } });
    expect((await report(7, "run-0001")).statusCode).toBe(200);
    expect((await report(7, "run-0001")).json()).toMatchObject({ duplicate: true });
    expect((await report(7, "run-0002")).statusCode).toBe(409);
    expect(await reports("counted")).toBe(before.counted + 1);
    expect(await reports("duplicate")).toBe(before.duplicate + 1);
    expect(await reports("units_exhausted")).toBe(before.exhausted + 1);
    expect(await scrape(`lic_usage_units_total{service="distribution"}`)).toBe(before.units + 7);
  });
});
