// Mapping between the original .NET LicenseModel conventions and model v2, for migration and for
// products that still expect the singular legacy fields.
import { ModelError } from "./errors.ts";
import type { License } from "./license.ts";

/** .NET `DateTime.MinValue` as the legacy generator wrote it: "no date" (an open end date). */
export const DOTNET_MIN_VALUE = "0001-01-01T00:00:00";

// .NET round-trip ("o") and sortable ("s") forms, with or without a fraction and an offset.
const LEGACY_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * A legacy .NET date-time as a v2 ISO-8601 UTC string; `DateTime.MinValue`, null and "" become null.
 * Dates without an offset (DateTimeKind.Unspecified) are taken as UTC, as the legacy generator
 * wrote UTC. Throws ModelError `invalid_argument` for text that is no .NET date-time.
 */
export function fromLegacyDate(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === "") return null;
  const match = LEGACY_DATE.exec(value.trim());
  if (match === null) throw new ModelError("invalid_argument", `"${value}" is not a .NET date-time.`);
  const [, year, month, day, hour, minute, second, fraction = "", offset = "Z"] = match;
  if (`${year}-${month}-${day}T${hour}:${minute}:${second}` === DOTNET_MIN_VALUE && /^0*$/.test(fraction))
    return null;
  const millis = Number(fraction.padEnd(3, "0").slice(0, 3));
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day)); // unlike Date.UTC, keeps years < 100
  date.setUTCHours(Number(hour), Number(minute), Number(second), millis);
  const roundTrip = date.toISOString().slice(0, 19);
  if (roundTrip !== `${year}-${month}-${day}T${hour}:${minute}:${second}`) {
    throw new ModelError("invalid_argument", `"${value}" is not a valid date.`);
  }
  const sign = offset.startsWith("-") ? -1 : 1;
  const offsetMinutes =
    offset === "Z" ? 0 : sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  date.setTime(date.getTime() - offsetMinutes * 60_000);
  return date.toISOString();
}

/** A v2 date for a legacy .NET reader: null becomes `DateTime.MinValue`. */
export function toLegacyDate(value: string | null): string {
  return value === null ? DOTNET_MIN_VALUE : value;
}

/** The singular fields of the original model, derived from the v2 lists (the first entry of each). */
export function legacyFields(license: License): {
  product: string;
  productFriendlyName: string;
  executionMode: string | null;
} {
  return {
    product: license.products[0]!,
    productFriendlyName: license.productFriendlyNames[0] ?? license.products[0]!,
    executionMode: license.executionModes[0] ?? null,
  };
}
