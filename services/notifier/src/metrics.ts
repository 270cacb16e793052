// The digest's metrics (issue 15): each run this replica made, and when the last run of any replica
// completed, read from the database at each scrape so every replica reports the same time and a
// replica that just started reports it too (alert: LicensingDigestNotRun).
import type { Logger } from "@licensing/platform";
import { Counter, Gauge } from "prom-client";

/** What a digest run (a replica that claimed the day's digest) came to. */
export const digestRunOutcomes = ["sent", "nothing_to_report", "failed"] as const;
export type DigestRunOutcome = (typeof digestRunOutcomes)[number];

const digestRuns = new Counter({
  name: "lic_digest_runs_total",
  help: "Digest runs this replica made, by outcome (sent, nothing_to_report, failed: retried with backoff)",
  labelNames: ["outcome"] as const,
});

let readLastRun: (() => Promise<Date | undefined>) | undefined;
let log: Logger | undefined;

new Gauge({
  name: "lic_digest_last_run_timestamp_seconds",
  // 0 (prom-client's value of an unlabelled gauge with none set) while there is none to report.
  help: "When the last digest run completed (sent, or nothing to report), by any replica, in Unix seconds; 0 while the digest is disabled or before its first run",
  async collect() {
    this.reset();
    if (!readLastRun) return;
    try {
      const at = await readLastRun();
      if (at) this.set(at.getTime() / 1_000);
    } catch (error) {
      log?.warn({ err: error }, "the last digest run could not be read for /metrics");
    }
  },
});

/** Records a run this replica made. */
export function observeDigestRun(outcome: DigestRunOutcome): void {
  digestRuns.inc({ outcome });
}

/**
 * Reports the last run's time while the scheduler runs (`read` answers undefined when there is none
 * to report: the gauge reads 0), and starts every outcome's series at 0 (`increase()` cannot see a series' first
 * sample); returns the function that stops reporting it.
 */
export function watchDigest(read: () => Promise<Date | undefined>, logger: Logger): () => void {
  for (const outcome of digestRunOutcomes) digestRuns.inc({ outcome }, 0);
  readLastRun = read;
  log = logger;
  return () => {
    if (readLastRun === read) readLastRun = undefined;
  };
}
