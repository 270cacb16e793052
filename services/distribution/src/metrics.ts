// What products do, as rates (issue 15). lic_http_requests_total by route already counts requests
// to /v1/machines and /v1/usage, but not what they came to: a 200 on /v1/machines is a machine
// activated again, a 200 on /v1/usage may be a retry counted before (duplicate), and neither says
// how many units were consumed. These say it, by outcome: `created`/`existing`,
// `counted`/`duplicate`, or the error code of a refusal.
import { AppError } from "@licensing/contracts";
import { Counter, Gauge } from "prom-client";

const activations = new Counter({
  name: "lic_activations_total",
  help: "Machine activations asked for, by outcome (created, existing: the same fingerprint again, or the error code)",
  labelNames: ["outcome"] as const,
});
const usageReports = new Counter({
  name: "lic_usage_reports_total",
  help: "Usage reports, by outcome (counted, duplicate: a retry of one counted before, or the error code)",
  labelNames: ["outcome"] as const,
});
const usageUnits = new Counter({
  name: "lic_usage_units_total",
  help: "Units consumed by the usage reports counted (duplicates and refusals excluded)",
});

/** Runs an activation and counts its outcome; a failure is counted by its code and thrown on. */
export function countActivation<T extends { created: boolean }>(activate: () => Promise<T>): Promise<T> {
  return counted(activations, activate, (result) => (result.created ? "created" : "existing"));
}

/** Runs a usage report and counts its outcome and the units it consumed. */
export async function countUsageReport<T extends { duplicate: boolean; units: number }>(
  report: () => Promise<T>,
): Promise<T> {
  const result = await counted(usageReports, report, (r) => (r.duplicate ? "duplicate" : "counted"));
  if (!result.duplicate) usageUnits.inc(result.units);
  return result;
}

async function counted<T>(
  counter: Counter<"outcome">,
  run: () => Promise<T>,
  outcomeOf: (result: T) => string,
): Promise<T> {
  let result: T;
  try {
    result = await run();
  } catch (error) {
    counter.inc({ outcome: error instanceof AppError ? error.code : "internal" });
    throw error;
  }
  counter.inc({ outcome: outcomeOf(result) });
  return result;
}

// The read model's reconciliation with the issuer (domain/reconciliation.ts).
const reconcileRepaired = new Counter({
  name: "lic_reconcile_repaired_total",
  help: "Licenses the reconciliation with the issuer found missing or stale in the read model and repaired",
});
const reconcileLastRun = new Gauge({
  name: "lic_reconcile_last_run_timestamp_seconds",
  help: "When the last reconciliation of the read model with the issuer finished (alert when it grows old)",
});
const reconcileUnknown = new Gauge({
  name: "lic_reconcile_unknown_licenses",
  help: "Licenses in the read model that the issuer does not have, at the last reconciliation (reported, never deleted)",
});

// The upkeep of usage data (domain/usage-rollup.ts).
const usageRollupLastRun = new Gauge({
  name: "lic_usage_rollup_last_run_timestamp_seconds",
  help: "When this replica last finished rolling up usage (partitions made ahead, closed days and hours summed, old detail dropped); alert when it grows old",
});
const usageDaysRolledUp = new Counter({
  name: "lic_usage_days_rolled_up_total",
  help: "UTC days of usage detail summed into per-day totals",
});
const usageHoursRolledUp = new Counter({
  name: "lic_usage_hours_rolled_up_total",
  help: "UTC hours of usage detail summed into per-hour totals (hours without reports not counted)",
});

/** Records a finished run of the usage rollup. */
export function observeUsageRollupRun(counts: { daysRolledUp: number; hoursRolledUp: number }): void {
  usageDaysRolledUp.inc(counts.daysRolledUp);
  usageHoursRolledUp.inc(counts.hoursRolledUp);
  usageRollupLastRun.set(Date.now() / 1_000);
}

/** Records a finished reconciliation run. */
export function observeReconcileRun(counts: { repaired: number; unknownToIssuer: number }): void {
  reconcileRepaired.inc(counts.repaired);
  reconcileUnknown.set(counts.unknownToIssuer);
  reconcileLastRun.set(Date.now() / 1_000);
}
