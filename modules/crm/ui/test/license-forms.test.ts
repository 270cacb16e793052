import { describe, expect, it } from "vitest";
import {
  filtersFromParams,
  filtersToParams,
  filtersToQuery,
  licensesLink,
  noFilters,
  startOfDay,
} from "../src/licenses/filters.ts";
import {
  changedParameters,
  defaultsFrom,
  emptyParameters,
  fieldOfIssue,
  offeredOptions,
  parametersToValues,
  valuesToParameters,
} from "../src/licenses/parameters.ts";
import { cockpit, collector } from "./fixtures.ts";

describe("the licenses table's filters in the URL", () => {
  it("round-trips every filter, leaving defaults out", () => {
    const filters = {
      ...noFilters,
      text: "acme",
      accountId: "acc_1",
      product: "collector",
      kind: "test" as const,
      internal: "false" as const,
      status: ["expiring" as const, "expired" as const],
      createdBy: "alice",
      createdFrom: "2026-01-01",
      createdTo: "2026-01-31",
      endFrom: "2026-06-01",
      endTo: "2026-06-30",
      sort: "endDate" as const,
      order: "asc" as const,
    };
    const params = filtersToParams(filters);
    expect(params.get("status")).toBe("expiring,expired");
    expect(filtersFromParams(params)).toEqual(filters);
    expect(filtersToParams(noFilters).toString()).toBe("");
    expect(licensesLink({ product: "collector" })).toBe("/crm/licenses?product=collector");
  });

  it("ignores what is malformed instead of sending it", () => {
    const filters = filtersFromParams(
      new URLSearchParams(
        "status=active,sleeping&kind=lifetime&sort=price&createdFrom=yesterday&internal=maybe",
      ),
    );
    expect(filters).toEqual({ ...noFilters, status: ["active"] });
  });

  it("sends the days as timestamps, the last day included", () => {
    const query = filtersToQuery({
      ...noFilters,
      createdFrom: "2026-03-01",
      createdTo: "2026-03-01",
      internal: "true",
    });
    expect(query).toMatchObject({
      createdFrom: startOfDay("2026-03-01"),
      createdTo: startOfDay("2026-03-02"),
      internal: true,
      sort: "createdAt",
      order: "desc",
    });
    expect(
      new Date(query.createdTo!).getTime() - new Date(query.createdFrom!).getTime(),
    ).toBeGreaterThanOrEqual(23 * 3_600_000);
  });
});

describe("the license parameter form", () => {
  it("takes the main product's catalog defaults", () => {
    const values = defaultsFrom(collector, { ...emptyParameters, products: ["collector"] });
    expect(valuesToParameters(values)).toEqual({
      products: ["collector"],
      kind: "commercial",
      unitsType: "lines",
      accumulatedUnits: 1_000_000,
      unitsPerExecution: -1,
      durationDays: 365,
      availableActivations: 3,
      executionModes: ["scanning"],
      customFeatures: [],
      notifyDays: 30,
      seats: 0,
      encrypted: false,
    });
  });

  it("sends the end as one choice: a duration, a day, or no end", () => {
    const base = defaultsFrom(collector, { ...emptyParameters, products: ["collector"] });
    expect(valuesToParameters({ ...base, endMode: "none" }).endDate).toBeNull();
    const dated = valuesToParameters({ ...base, endMode: "date", endDate: "2027-03-31" });
    expect(dated.endDate).toBe(startOfDay("2027-03-31"));
    expect(dated.durationDays).toBeUndefined();
    expect(valuesToParameters({ ...base, endMode: "date", endDate: null }).endDate).toBe("");
  });

  it("keeps in a preset only what differs from the product's defaults, and reads it back", () => {
    const values = {
      ...defaultsFrom(collector, { ...emptyParameters, products: ["collector"] }),
      kind: "test" as const,
      durationDays: 30,
      metadata: [{ key: "source", value: "trade fair" }],
    };
    const preset = changedParameters(values, collector);
    // Compared with the product's test defaults (21 days, notice 5): the kept commercial notice differs.
    expect(preset).toEqual({
      products: ["collector"],
      kind: "test",
      durationDays: 30,
      notifyDays: 30,
      metadata: { source: "trade fair" },
    });
    expect(parametersToValues(preset, collector)).toMatchObject({
      kind: "test",
      durationDays: 30,
      availableActivations: 3,
      metadata: [{ key: "source", value: "trade fair" }],
    });
  });

  it("offers what the chosen products offer, and marks a chosen code none of them offers", () => {
    expect(offeredOptions([collector, cockpit], "executionModes", ["teleport"]).map((o) => o.value)).toEqual([
      "scanning",
      "migration",
      "fleet",
      "teleport",
    ]);
    expect(offeredOptions([cockpit], "executionModes", ["teleport"]).at(-1)?.label).toBe(
      "teleport (not offered)",
    );
  });

  it("puts an issue about a list item on the list's field", () => {
    expect(fieldOfIssue("executionModes.1")).toBe("executionModes");
    expect(fieldOfIssue("parameters.customFeatures.0", "parameters.")).toBe("customFeatures");
    expect(fieldOfIssue("metadata.0.key")).toBe("metadata.0.key");
    expect(fieldOfIssue("endDate")).toBe("endDate");
  });
});
