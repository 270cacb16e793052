import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { exportedMetricNames, metricNamesIn } from "./exported-metrics.ts";

const deployDir = resolve(import.meta.dirname, "..");

let exported: Set<string>;
beforeAll(async () => {
  exported = await exportedMetricNames();
});

const rule = z.object({
  alert: z.string().regex(/^[A-Z][A-Za-z]+$/),
  expr: z.string().min(1),
  for: z.string().regex(/^\d+[smh]$/),
  labels: z.object({ severity: z.enum(["critical", "warning"]) }),
  annotations: z.object({ summary: z.string().min(1), description: z.string().optional() }),
});
const ruleFile = z.strictObject({
  groups: z.array(z.strictObject({ name: z.string(), rules: z.array(rule).min(1) })).min(1),
});

/** The rules of deploy/prometheus/alerts.yaml, each checked for the fields Alertmanager's routes use. */
function readAlertRules(): z.infer<typeof ruleFile> {
  return ruleFile.parse(parse(readFileSync(resolve(deployDir, "prometheus/alerts.yaml"), "utf8")));
}

describe("exported metric names", () => {
  it("include the platform's own, the gauges of stuck work and Node's", () => {
    for (const name of [
      "lic_bus_requests_total",
      "lic_http_request_duration_seconds_bucket",
      "lic_outbox_oldest_age_seconds",
      "lic_consumer_pending_messages",
      "lic_db_pool_waiting_requests",
      "nodejs_eventloop_lag_p99_seconds",
      "process_resident_memory_bytes",
      // Issue 15: what products and the digest do.
      "lic_activations_total",
      "lic_usage_reports_total",
      "lic_usage_units_total",
      "lic_digest_runs_total",
      "lic_digest_last_run_timestamp_seconds",
    ])
      expect(exported).toContain(name);
  });

  it("are found in an expression, apart from its functions, labels and keywords", () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (le) (rate(x_bucket{route=~"/v1/.+"}[5m]))) > 0.25 and on (a) y_total offset 5m',
      ),
    ).toEqual(["x_bucket", "y_total"]);
  });
});

describe("deploy/prometheus/alerts.yaml", () => {
  it("parses, and every rule has an alert, an expression, a duration, a severity and a summary", () => {
    const names = readAlertRules().groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        "LicensingServiceDown",
        "LicensingOutboxStuck",
        "LicensingDeadLetters",
        "LicensingDigestNotRun",
      ]),
    );
  });

  it("alerts on a digest that has not run for 26 hours, not on one disabled (its time reads 0)", () => {
    const rule = readAlertRules()
      .groups.flatMap((g) => g.rules)
      .find((r) => r.alert === "LicensingDigestNotRun")!;
    expect(rule.expr).toContain("lic_digest_last_run_timestamp_seconds) > 0");
    expect(rule.expr).toMatch(/time\(\) - max\(lic_digest_last_run_timestamp_seconds\) > 26 \* 3600/);
  });

  it("reads only metrics the services export", () => {
    for (const { alert, expr } of readAlertRules().groups.flatMap((g) => g.rules)) {
      const used = metricNamesIn(expr);
      expect(used.length, alert).toBeGreaterThan(0);
      expect(
        used.filter((name) => !exported.has(name)),
        alert,
      ).toEqual([]);
    }
  });
});

const dashboardSchema = z.object({
  uid: z.string(),
  schemaVersion: z.number().int().min(39),
  templating: z.object({ list: z.array(z.object({ name: z.string(), definition: z.string().optional() })) }),
  panels: z.array(
    z.object({
      type: z.string(),
      title: z.string().min(1),
      repeat: z.string().optional(),
      targets: z.array(z.object({ refId: z.string(), expr: z.string().min(1) })).optional(),
    }),
  ),
});

describe("deploy/grafana/licensing-platform.json", () => {
  const dashboard = dashboardSchema.parse(
    JSON.parse(readFileSync(resolve(deployDir, "grafana/licensing-platform.json"), "utf8")),
  );

  it("repeats one row per service, with the panels the operators read", () => {
    expect(dashboard.panels[0]).toMatchObject({ type: "row", repeat: "service" });
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(["datasource", "service"]);
    const titles = dashboard.panels.map((p) => p.title);
    for (const title of [
      "Request rate",
      "Server error ratio",
      "p99 latency",
      "Outbox backlog",
      "Consumer lag",
    ])
      expect(titles).toContain(title);
    expect(titles).toEqual(expect.arrayContaining(["Dead letters", "Event loop lag p99", "Memory"]));
  });

  it("shows activations, usage reports and the digest once, in a row of their own after the services'", () => {
    const rows = dashboard.panels.filter((p) => p.type === "row");
    expect(rows.map((r) => [r.title, r.repeat])).toEqual([
      ["$service", "service"],
      ["Products and digest", undefined],
    ]);
    const after = dashboard.panels.slice(dashboard.panels.indexOf(rows[1]!) + 1).map((p) => p.title);
    expect(after).toEqual(["Activations", "Usage reports", "Units consumed", "Digest"]);
  });

  it("reads only metrics the services export", () => {
    const service = dashboard.templating.list.find((v) => v.name === "service")!;
    const [, listed] = /^label_values\((\w+), service\)$/.exec(service.definition ?? "") ?? [];
    expect(exported).toContain(listed);
    for (const panel of dashboard.panels)
      for (const { expr } of panel.targets ?? []) {
        const used = metricNamesIn(expr);
        expect(used.length, panel.title).toBeGreaterThan(0);
        expect(
          used.filter((name) => !exported.has(name)),
          panel.title,
        ).toEqual([]);
      }
  });
});
