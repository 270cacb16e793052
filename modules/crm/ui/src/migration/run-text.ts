import type { LegacySource, MigrationCounts, MigrationRun } from "@licensing/contracts";

// How a migration run reads to the operator: names, states, progress and a one-line summary.

/** The legacy systems, by the names their users know them (docs/migration.md). */
export const sourceNames: Record<LegacySource, string> = {
  studio: "Snow Studio",
  "vbuc-cli": "VBUC CLI License Generator",
  "vbuc-sales": "VBUC Sales Web Flow",
};

export const modeNames: Record<MigrationRun["mode"], string> = { "dry-run": "Dry run", apply: "Apply" };

export const stateNames: Record<MigrationRun["state"], string> = {
  running: "Running",
  done: "Done",
  failed: "Failed",
  interrupted: "Interrupted",
  rolled_back: "Rolled back",
};

export const stateColors: Record<MigrationRun["state"], string> = {
  running: "blue",
  done: "green",
  failed: "red",
  interrupted: "orange",
  rolled_back: "gray",
};

export const phaseNames: Record<MigrationRun["phase"], string> = {
  // Runs started by an earlier release only (the rows are now counted while matching accounts).
  counting: "Counting the rows",
  accounts: "Matching accounts",
  importing: "Importing",
  finished: "Finishing",
};

/** Why a row was not taken as it is (the mapping's reasons, then the run's own). */
export const reasonNames: Record<string, string> = {
  missing_required: "Missing required value",
  invalid_date: "Invalid date",
  invalid_number: "Invalid number",
  invalid_guid: "Invalid GUID",
  end_before_start: "End before start",
  unknown_product: "Unknown product",
  unknown_value: "Unknown value",
  duplicate_guid: "Duplicate GUID",
  duplicate_key: "Duplicate key",
  unreadable_row: "Unreadable row",
  conflict: "Conflict",
  import_failed: "Import failed",
  awaiting_account: "Awaiting an account decision",
  consumption_failed: "Consumption not carried",
};

export const reasonName = (reason: string) => reasonNames[reason] ?? reason.replaceAll("_", " ");

const number = new Intl.NumberFormat();
export const formatCount = (n: number) => number.format(n);

/** "Dry run of Snow Studio", "Apply of VBUC Sales Web Flow". */
export function runTitle(run: Pick<MigrationRun, "mode" | "source">): string {
  return `${modeNames[run.mode]} of ${sourceNames[run.source]}`;
}

/** A number of seconds as the operator reads a wait: "45 s", "3 min", "1 h 20 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** Where a running run is, in words: "1,200 of 10,000 rows · 850 rows/s · about 11 s left". */
export function progressText(run: MigrationRun): string {
  const parts = [
    run.total === null
      ? `${formatCount(run.processed)} rows`
      : `${formatCount(run.processed)} of ${formatCount(run.total)} rows`,
  ];
  if (run.rowsPerSecond !== null) parts.push(`${formatCount(Math.round(run.rowsPerSecond))} rows/s`);
  if (run.etaSeconds !== null) parts.push(`about ${formatDuration(run.etaSeconds)} left`);
  return parts.join(" · ");
}

/** The share done in the current phase, 0–100; null while the total is not known. */
export function progressPercent(run: MigrationRun): number | null {
  if (run.total === null) return null;
  if (run.total === 0) return 100;
  return Math.min(100, (100 * run.processed) / run.total);
}

/** The counts in one line, only those that are not zero: "1,000 rows: 900 new · 100 invalid". */
export function countsSummary(counts: MigrationCounts, mode: MigrationRun["mode"]): string {
  const dry = mode === "dry-run";
  const parts: [number, string][] = [
    [counts.new, dry ? "new" : "created"],
    [counts.updated, "updated"],
    [counts.unchanged, "unchanged"],
    [counts.invalid, "invalid"],
    [counts.conflicting, "conflicting"],
    [counts.failed, "failed"],
    [counts.awaitingAccount, "awaiting account"],
  ];
  const shown = parts.filter(([n]) => n > 0).map(([n, label]) => `${formatCount(n)} ${label}`);
  const rows = `${formatCount(counts.rows)} row${counts.rows === 1 ? "" : "s"}`;
  return shown.length ? `${rows}: ${shown.join(" · ")}` : rows;
}

/** What the live region says when a run the operator watched has finished. */
export function finishedAnnouncement(run: MigrationRun): string {
  const title = runTitle(run);
  switch (run.state) {
    case "done":
      return `${title} finished. ${countsSummary(run.counts, run.mode)}.`;
    case "failed":
      return `${title} failed${run.error ? `: ${run.error}` : "."}`;
    case "interrupted":
      return `${title} was interrupted after ${formatCount(run.counts.rows)} rows.`;
    case "rolled_back":
      return `${title} was rolled back.`;
    case "running":
      return `${title} is running.`;
  }
}
