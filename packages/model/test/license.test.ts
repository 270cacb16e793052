import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalize } from "../src/canonical-json.ts";
import { DOTNET_MIN_VALUE, fromLegacyDate, legacyFields, toLegacyDate } from "../src/legacy.ts";
import { type License, UNLIMITED, validateLicense } from "../src/license.ts";
import { licenseArbitrary } from "./arbitraries.ts";
import { sampleLicense } from "./fixtures.ts";

function issuesOf(input: unknown) {
  const result = validateLicense(input);
  if (result.ok) throw new Error("expected the license to be invalid");
  return result.issues;
}

describe("validateLicense", () => {
  it("accepts a valid license and returns an equal copy", () => {
    const license = sampleLicense();
    const result = validateLicense(license);
    expect(result).toEqual({ ok: true, license });
    if (result.ok) expect(result.license).not.toBe(license);
  });

  it("returns a deep-frozen license, accepted again as it is without a second check", () => {
    const result = validateLicense(sampleLicense());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.isFrozen(result.license)).toBe(true);
    expect(Object.isFrozen(result.license.products)).toBe(true);
    expect(Object.isFrozen(result.license.metadata)).toBe(true);
    expect(() => (result.license.products as string[]).push("more")).toThrow(TypeError);
    const again = validateLicense(result.license);
    expect(again.ok && again.license).toBe(result.license);
  });

  it("canonicalizes the same whatever the order of its metadata", () => {
    const orders: Record<string, string>[] = [
      { zeta: "1", alpha: "2" },
      { alpha: "2", zeta: "1" },
      { "9": "b", "10": "a", "-": "c" },
    ];
    for (const metadata of orders) {
      const result = validateLicense(sampleLicense({ metadata }));
      expect(result.ok && canonicalize(result.license)).toBe(canonicalize(sampleLicense({ metadata })));
    }
    const integerLike = validateLicense(sampleLicense({ metadata: orders[2] }));
    expect(integerLike.ok && canonicalize(integerLike.license)).toContain(
      '"metadata":{"-":"c","10":"a","9":"b"}',
    );
  });

  it("accepts the conventions: unlimited units, open end date, no fingerprint, empty lists", () => {
    const license = sampleLicense({
      accumulatedUnits: UNLIMITED,
      unitsPerExecution: 5,
      availableActivations: UNLIMITED,
      seats: 0,
      endDate: null,
      fingerprint: null,
      executionModes: [],
      allowedCustomFeatures: [],
      friendlyRestrictions: [],
      metadata: {},
      ownerName: null,
      ownerEmail: null,
      ownerIpAddress: "2001:db8::1",
      notifyDays: null,
      startDate: "2025-02-01T00:00:00.123Z",
    });
    expect(validateLicense(license).ok).toBe(true);
  });

  it("accepts every license the arbitrary generates", () => {
    fc.assert(
      fc.property(licenseArbitrary, (license) => {
        expect(validateLicense(license)).toEqual({ ok: true, license });
      }),
      { numRuns: 300 },
    );
  });

  it("reports every problem at once, each with its dotted path", () => {
    const issues = issuesOf({
      ...sampleLicense(),
      kind: "trial",
      startDate: "2025-03-01T00:00:00Z",
      endDate: "2025-02-01T00:00:00Z",
      accumulatedUnits: -5,
      seats: -2,
      availableActivations: 1.5,
      unitsPerExecution: -2,
      ownerEmail: "not-an-email",
      dateIssued: "2025-02-30T00:00:00Z",
      signedAt: "yesterday",
      products: ["collector", "collector"],
      productFriendlyNames: ["Collector"],
      friendlyRestrictions: [{ key: "Region", value: "EU" }, { key: "Region", value: "US" }, { key: "" }],
      metadata: { ok: "fine", bad: 3 },
      extra: true,
    });
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(Object.keys(byPath).sort()).toEqual(
      [
        "kind",
        "endDate",
        "accumulatedUnits",
        "seats",
        "availableActivations",
        "unitsPerExecution",
        "ownerEmail",
        "dateIssued",
        "signedAt",
        "products.1",
        "productFriendlyNames",
        "friendlyRestrictions.1.key",
        "friendlyRestrictions.2.key",
        "friendlyRestrictions.2.value",
        "metadata.bad",
        "extra",
      ].sort(),
    );
    expect(byPath.endDate).toBe("must be after startDate");
    expect(byPath.accumulatedUnits).toBe("must be -1 (unlimited) or a whole number of 0 or more");
    expect(byPath.kind).toBe('must be "commercial" or "test"');
    expect(byPath.extra).toBe("is not a known field");
    expect(byPath["products.1"]).toBe('repeats "collector"');
  });

  it("rejects units per execution above the accumulated units only when units are limited", () => {
    expect(issuesOf(sampleLicense({ accumulatedUnits: 3, unitsPerExecution: 4 }))).toEqual([
      {
        path: "unitsPerExecution",
        message: "must not exceed accumulatedUnits (one execution would use more than the license grants)",
      },
    ]);
    expect(validateLicense(sampleLicense({ accumulatedUnits: UNLIMITED, unitsPerExecution: 4 })).ok).toBe(
      true,
    );
  });

  it("accepts no per-execution cap (-1) with a finite balance, and a cap equal to the balance", () => {
    for (const unitsPerExecution of [UNLIMITED, 500, 0])
      expect(validateLicense(sampleLicense({ accumulatedUnits: 500, unitsPerExecution })).ok).toBe(true);
    expect(validateLicense(sampleLicense({ accumulatedUnits: 0, unitsPerExecution: UNLIMITED })).ok).toBe(
      true,
    );
  });

  it("requires UTC dates and compares mixed precisions correctly", () => {
    expect(issuesOf(sampleLicense({ startDate: "2025-02-01T00:00:00+01:00" }))[0]?.path).toBe("startDate");
    expect(issuesOf(sampleLicense({ endDate: "2025-02-01" }))[0]?.path).toBe("endDate");
    const mixed = sampleLicense({ startDate: "2025-02-01T00:00:00.5Z", endDate: "2025-02-01T00:00:01Z" });
    expect(validateLicense(mixed).ok).toBe(true);
    expect(issuesOf({ ...mixed, endDate: "2025-02-01T00:00:00Z" })).toEqual([
      { path: "endDate", message: "must be after startDate" },
    ]);
  });

  it("reports missing fields and non-objects", () => {
    const { accountId: _, ...rest } = sampleLicense();
    expect(issuesOf(rest).map((i) => i.path)).toEqual(["accountId"]);
    expect(issuesOf(null)).toEqual([{ path: "", message: "a license must be a JSON object" }]);
    expect(issuesOf([])[0]?.path).toBe("");
  });

  // A quadratic scan would take minutes here and hit the timeout.
  it("finds duplicates in long (hostile) lists in linear time", { timeout: 10_000 }, () => {
    const products = Array.from({ length: 200_000 }, (_, i) => `p${i % 150_000}`);
    const issues = issuesOf(sampleLicense({ products, productFriendlyNames: products }));
    expect(issues.filter((i) => i.path.startsWith("products.")).length).toBe(50_000);
  });

  it("refuses __proto__ members rather than silently dropping them", () => {
    const top = JSON.parse(JSON.stringify(sampleLicense()).replace("{", '{"__proto__":{"x":1},'));
    expect(issuesOf(top).map((i) => i.path)).toContain("__proto__");
    const meta = { ...sampleLicense(), metadata: JSON.parse('{"__proto__":"x","a":"b"}') };
    expect(issuesOf(meta)).toEqual([{ path: "metadata.__proto__", message: "is a reserved name" }]);
  });

  it("never throws, whatever the input", () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        expect(typeof validateLicense(input).ok).toBe("boolean");
      }),
    );
    fc.assert(
      fc.property(licenseArbitrary, fc.string(), fc.anything(), (license, key, value) => {
        expect(typeof validateLicense({ ...license, [key]: value }).ok).toBe("boolean");
      }),
    );
  });
});

describe("legacy mapping", () => {
  it("maps DateTime.MinValue and empty values to null", () => {
    for (const value of [
      DOTNET_MIN_VALUE,
      "0001-01-01T00:00:00.0000000",
      "0001-01-01T00:00:00Z",
      "",
      null,
      undefined,
    ]) {
      expect(fromLegacyDate(value)).toBeNull();
    }
    expect(toLegacyDate(null)).toBe(DOTNET_MIN_VALUE);
  });

  it("maps .NET date-times to ISO-8601 UTC", () => {
    expect(fromLegacyDate("2024-05-01T12:30:00")).toBe("2024-05-01T12:30:00.000Z");
    expect(fromLegacyDate("2024-05-01T12:30:00.1234567Z")).toBe("2024-05-01T12:30:00.123Z");
    expect(fromLegacyDate("2024-05-01T12:30:00+02:00")).toBe("2024-05-01T10:30:00.000Z");
    expect(fromLegacyDate("0001-01-02T00:00:00")).toBe("0001-01-02T00:00:00.000Z");
    for (const bad of ["2024-02-30T00:00:00", "05/01/2024", "2024-05-01"]) {
      expect(() => fromLegacyDate(bad)).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    }
  });

  it("derives the singular legacy fields", () => {
    const license: License = sampleLicense({ executionModes: [] });
    expect(legacyFields(license)).toEqual({
      product: "collector",
      productFriendlyName: "Collector",
      executionMode: null,
    });
  });
});
