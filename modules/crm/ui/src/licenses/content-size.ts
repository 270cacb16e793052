import { formatBytes, MAX_PRESET_BYTES, type Product } from "@licensing/contracts";
import { changedParameters, type KeyValue, type ParameterValues } from "./parameters.ts";

// How large a license's content (or a preset's parameters) will be, measured in the browser so the
// form can show it growing and refuse, before sending, what the issuer would certainly refuse.

/**
 * The most a license's content (its canonical JSON, the signed payload) may take: the model's
 * MAX_PAYLOAD_BYTES. Repeated here so the browser bundle needs no @licensing/model; a unit test
 * keeps the two equal.
 */
export const maxLicenseContentBytes = 2 * 1024 * 1024;
/**
 * What a license's other fields (ids, owner, dates, products, limits) take at least, with empty
 * metadata and restrictions. An estimate built on it never overstates, so a form refuses only what
 * the issuer would certainly refuse; the issuer's 413 covers the rest.
 */
export const otherFieldsBytes = 700;
/** From this share of its limit on, the size shows as a warning. */
export const warnShare = 0.9;

/** The UTF-8 length of `text`, without encoding it (a 2 MiB string is counted, not copied). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else {
      // 3 bytes, or 4 for a surrogate pair (2 UTF-16 units); a lone surrogate is 3 (U+FFFD).
      bytes += 2;
      const next = code <= 0xdbff && code >= 0xd800 ? text.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return bytes;
}

/** `1,040 entries`, `1 entry`. */
export function entriesText(count: number): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? "entry" : "entries"}`;
}

/** A size in a few characters: `512 bytes`, `12.5 KiB`, `2.0 MiB`; a whole number as such (`64 KiB`). */
export function shortBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes.toLocaleString("en-US")} bytes`;
  const [n, unit] = bytes < 1024 * 1024 ? [bytes / 1024, "KiB"] : [bytes / 1024 / 1024, "MiB"];
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${unit}`;
}

/** A share of a limit, never rounded up to 100% while below it: `99.7%`. */
export function shareText(bytes: number, limit: number): string {
  return `${(Math.floor((bytes / limit) * 1000) / 10).toFixed(1)}%`;
}

/** Metadata rows as the request sends them: keys trimmed, a repeated key keeping its last value. */
export function metadataObject(rows: readonly KeyValue[]): Record<string, string> {
  return Object.fromEntries(rows.map((m) => [m.key.trim(), m.value]));
}

interface Measured {
  rows: readonly KeyValue[];
  bytes: number;
}

/**
 * The UTF-8 size of a list's JSON, remembered for the last list seen. The form clones its values on
 * every keystroke, but the strings stay the same ones, so comparing them row by row is cheap where
 * serializing 2 MiB on every keystroke would not be.
 */
function measurer(toJson: (rows: readonly KeyValue[]) => string) {
  let last: Measured | undefined;
  return (rows: readonly KeyValue[]): number => {
    if (last && sameRows(last.rows, rows)) return last.bytes;
    const bytes = utf8Length(toJson(rows));
    last = { rows, bytes };
    return bytes;
  };
}

function sameRows(a: readonly KeyValue[], b: readonly KeyValue[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.key !== b[i]!.key || a[i]!.value !== b[i]!.value) return false;
  return true;
}

/** The bytes of the metadata's JSON (`{}` when empty) as the request and the license carry it. */
export const metadataBytes = measurer((rows) => JSON.stringify(metadataObject(rows)));
/** The bytes of the restrictions' JSON (`[]` when empty). */
export const restrictionsBytes = measurer((rows) =>
  JSON.stringify(rows.map(({ key, value }) => ({ key, value }))),
);

/** A license's content as the form would create it, at least (see otherFieldsBytes). */
export function licenseContentEstimate(values: {
  metadata: readonly KeyValue[];
  friendlyRestrictions: readonly KeyValue[];
}): number {
  return otherFieldsBytes + metadataBytes(values.metadata) + restrictionsBytes(values.friendlyRestrictions);
}

/** How a size stands against its limit: fine, close to it (a warning) or past it. */
export function sizeLevel(bytes: number, limit: number): "ok" | "warn" | "over" {
  if (bytes > limit) return "over";
  return bytes >= limit * warnShare ? "warn" : "ok";
}

/**
 * The bytes of a preset's parameters as the preset page sends them (what the issuer measures against
 * MAX_PRESET_BYTES), without serializing the metadata again on every keystroke.
 */
export function presetParametersBytes(values: ParameterValues, main: Product | undefined): number {
  const rest = changedParameters({ ...values, metadata: [], friendlyRestrictions: [] }, main);
  let bytes = utf8Length(JSON.stringify(rest));
  // Each is one more member after `products`: a comma, its quoted name and a colon, then its JSON.
  if (values.metadata.length > 0) bytes += ',"metadata":'.length + metadataBytes(values.metadata);
  if (values.friendlyRestrictions.length > 0)
    bytes += ',"friendlyRestrictions":'.length + restrictionsBytes(values.friendlyRestrictions);
  return bytes;
}

/** Where a form keeps the size's error (the issuer's 413 too): shown under the size, not on a field. */
export const sizeField = "contentSize";

/** A form's size limit: what is measured, how, against what, and what to say past it. */
export interface SizeRule {
  /** Shown before the size: "License content". */
  label: string;
  limit: number;
  measure: (values: ParameterValues) => number;
  /** The measure is a lower estimate (shown as "about"). */
  estimate: boolean;
  /** The error past the limit. */
  tooLarge: (bytes: number) => string;
}

/** The license generator's rule: the signed content at most the model's 2 MiB. */
export const licenseSizeRule: SizeRule = {
  label: "License content",
  limit: maxLicenseContentBytes,
  measure: licenseContentEstimate,
  estimate: true,
  tooLarge: (bytes) =>
    `The license's content would take at least ${formatBytes(bytes)}; a license file carries at most ` +
    `${formatBytes(maxLicenseContentBytes)}. Remove metadata entries or shorten values.`,
};

/** A preset's rule: its parameters at most the issuer's 64 KiB. */
export function presetSizeRule(products: readonly Product[]): SizeRule {
  return {
    label: "Preset parameters",
    limit: MAX_PRESET_BYTES,
    measure: (values) =>
      presetParametersBytes(
        values,
        products.find((p) => p.code === values.products[0]),
      ),
    estimate: false,
    tooLarge: (bytes) =>
      `The preset's parameters take ${formatBytes(bytes)}; a preset holds at most ${formatBytes(MAX_PRESET_BYTES)}. ` +
      "Create licenses with large metadata from the generator instead.",
  };
}

/** The size's error for a form's validation, when past the limit. */
export function sizeErrors(rule: SizeRule, values: ParameterValues): Record<string, string> {
  const bytes = rule.measure(values);
  return bytes > rule.limit ? { [sizeField]: rule.tooLarge(bytes) } : {};
}
