import { describe, expect, it } from "vitest";
import {
  lastDays,
  month,
  periodRange,
  reportFiltersFromParams,
  reportFiltersToParams,
  reportQuery,
  usageLink,
} from "../src/usage/report-filters.ts";

const now = new Date("2026-01-10T23:30:00Z");

describe("the usage report's selection", () => {
  it("defaults to the last 30 UTC days by day, and ignores what is malformed", () => {
    expect(reportFiltersFromParams(new URLSearchParams(), now)).toEqual({
      from: "2025-12-12",
      to: "2026-01-10",
      accountId: "",
      product: "",
      bucket: "day",
    });
    const odd = reportFiltersFromParams(new URLSearchParams("from=soon&to=2025-12-01&bucket=hour"), now);
    // A "to" before "from" swaps them rather than asking for nothing.
    expect([odd.from, odd.to, odd.bucket]).toEqual(["2025-12-01", "2025-12-12", "day"]);
  });

  it("sends UTC midnights, the last day included (the API's `to` is exclusive)", () => {
    const filters = reportFiltersFromParams(
      new URLSearchParams("from=2026-02-01&to=2026-02-28&bucket=none&product=collector"),
      now,
    );
    expect(reportQuery(filters)).toEqual({
      from: "2026-02-01T00:00:00.000Z",
      to: "2026-03-01T00:00:00.000Z",
      product: "collector",
    });
    expect(reportFiltersToParams(filters).toString()).toBe(
      "from=2026-02-01&to=2026-02-28&product=collector&bucket=none",
    );
  });

  it("knows the usual ranges and what a period covers", () => {
    expect(lastDays(7, now)).toEqual({ from: "2026-01-04", to: "2026-01-10" });
    expect(month(0, now)).toEqual({ from: "2026-01-01", to: "2026-01-31" });
    expect(month(-1, now)).toEqual({ from: "2025-12-01", to: "2025-12-31" });
    expect(periodRange("2024-02-01", "month")).toEqual({ from: "2024-02-01", to: "2024-02-29" });
    expect(periodRange("2026-01-05", "week")).toEqual({ from: "2026-01-05", to: "2026-01-11" });
    expect(periodRange("2026-01-05", "day")).toEqual({ from: "2026-01-05", to: "2026-01-05" });
    expect(usageLink({ from: "2026-01-01", to: "2026-01-02", bucket: "week" })).toBe(
      "/crm/usage?from=2026-01-01&to=2026-01-02&bucket=week",
    );
  });
});
