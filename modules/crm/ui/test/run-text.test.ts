import { emptyMigrationCounts, type MigrationRun } from "@licensing/contracts";
import { describe, expect, it } from "vitest";
import {
  countsSummary,
  formatDuration,
  progressPercent,
  progressText,
  reasonName,
} from "../src/migration/run-text.ts";

const counts = emptyMigrationCounts();

describe("a migration run in words", () => {
  it("says how long is left as an operator reads a wait", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(44.6)).toBe("45 s");
    expect(formatDuration(170)).toBe("3 min");
    expect(formatDuration(3_600)).toBe("1 h");
    expect(formatDuration(4_830)).toBe("1 h 21 min");
  });

  it("sums the counts up, leaving out the zeros, in the past for an apply", () => {
    expect(countsSummary(counts, "dry-run")).toBe("0 rows");
    expect(countsSummary({ ...counts, rows: 1, new: 1 }, "dry-run")).toBe("1 row: 1 new");
    expect(countsSummary({ ...counts, rows: 12_000, new: 11_000, conflicting: 3 }, "apply")).toBe(
      "12,000 rows: 11,000 created · 3 conflicting",
    );
  });

  it("shows progress without a total until the rows are counted", () => {
    const run = { total: null, processed: 5_000, rowsPerSecond: null, etaSeconds: null } as MigrationRun;
    expect(progressText(run)).toBe("5,000 rows");
    expect(progressPercent(run)).toBeNull();
    expect(progressPercent({ ...run, total: 0, processed: 0 })).toBe(100);
    expect(progressPercent({ ...run, total: 10, processed: 11 })).toBe(100);
  });

  it("names the reasons it knows and keeps the others readable", () => {
    expect(reasonName("end_before_start")).toBe("End before start");
    expect(reasonName("some_new_reason")).toBe("some new reason");
  });
});
