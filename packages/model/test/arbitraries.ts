// fast-check arbitraries for valid v2 licenses, covering the edges of every field: unlimited units,
// open end dates, empty lists, non-ASCII text, IPv6, fractional seconds.
import fc from "fast-check";
import type { License } from "../src/license.ts";
import { KEY_ID } from "./fixtures.ts";

const code = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const text = (maxLength: number) => fc.string({ unit: "grapheme", maxLength });
const nonEmpty = (maxLength: number) => fc.string({ unit: "grapheme", minLength: 1, maxLength });
const email = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{1,10}$/), fc.stringMatching(/^[a-z]{1,10}$/))
  .map(([local, domain]) => `${local}@${domain}.example`);
// Whole seconds, so that distinct instants stay distinct when written without a fraction.
const instant = fc
  .integer({ min: Date.UTC(1990, 0, 1) / 1000, max: Date.UTC(2100, 0, 1) / 1000 })
  .map((s) => s * 1000);
const iso = (ms: number, fractional: boolean) => {
  const full = new Date(ms).toISOString();
  return fractional ? `${full.slice(0, 19)}.${String(ms % 997).padStart(3, "0")}Z` : `${full.slice(0, 19)}Z`;
};
const limit = fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 1_000_000_000 }));

export const licenseArbitrary: fc.Arbitrary<License> = fc
  .record({
    id: fc.stringMatching(/^lic_[A-Za-z0-9]{1,24}$/),
    accountId: fc.stringMatching(/^acc_[A-Za-z0-9]{1,24}$/),
    serial: fc.integer({ min: 1, max: 1_000_000 }),
    kind: fc.constantFrom("commercial" as const, "test" as const),
    internal: fc.boolean(),
    licenseType: code,
    products: fc.uniqueArray(code, { minLength: 1, maxLength: 4 }),
    names: fc.array(nonEmpty(40), { minLength: 4, maxLength: 4 }),
    ownerCompany: nonEmpty(60),
    ownerName: fc.option(text(60)),
    ownerEmail: fc.option(email),
    createdBy: nonEmpty(30),
    ownerIpAddress: fc.option(fc.oneof(fc.ipV4(), fc.ipV6())),
    createdAtComputer: fc.option(text(30)),
    licensingAssemblyVersion: fc.constantFrom("2.0", "2.1.3"),
    times: fc.uniqueArray(instant, { minLength: 4, maxLength: 4 }).map((t) => t.sort((a, b) => a - b)),
    openEnded: fc.boolean(),
    fractional: fc.boolean(),
    unitsType: code,
    accumulatedUnits: limit,
    unitsPerExecution: fc.integer({ min: -1, max: 1000 }),
    availableActivations: limit,
    seats: limit,
    fingerprint: fc.option(fc.stringMatching(/^[A-F0-9]{16,64}$/)),
    executionModes: fc.uniqueArray(code, { maxLength: 4 }),
    allowedCustomFeatures: fc.uniqueArray(code, { maxLength: 6 }),
    notifyDays: fc.option(fc.integer({ min: 0, max: 3650 })),
    friendlyRestrictions: fc.uniqueArray(fc.record({ key: nonEmpty(20), value: text(60) }), {
      maxLength: 4,
      selector: (r) => r.key,
    }),
    metadata: fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,15}$/), text(80), { maxKeys: 5 }),
  })
  .map(({ names, times, openEnded, fractional, ...l }): License => {
    const [issued, signed, start, end] = times as [number, number, number, number];
    const accumulatedUnits = l.accumulatedUnits;
    return {
      ...l,
      productFriendlyNames: names.slice(0, l.products.length),
      dateIssued: iso(issued, fractional),
      signedAt: iso(signed, fractional),
      startDate: iso(start, fractional),
      endDate: openEnded ? null : iso(end, fractional),
      accumulatedUnits,
      unitsPerExecution:
        accumulatedUnits === -1 || l.unitsPerExecution === -1
          ? l.unitsPerExecution
          : Math.min(l.unitsPerExecution, accumulatedUnits),
      keyId: KEY_ID,
    };
  });
