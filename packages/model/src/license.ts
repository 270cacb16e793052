// The license model v2 (docs/architecture.md): what a signed license file says. Every field of the original
// LicenseModel has a home here or, for usage state, in LicenseUsage below; docs/license-file-format.md
// lists each field with its legacy name.
import { z } from "zod";
import { vouchForShape } from "./canonical-json.ts";
import { clip, type ValidationIssue } from "./errors.ts";
import { KEY_ID_PATTERN } from "./key-set.ts";

/** `-1` in a units, activations or seats field: no limit. */
export const UNLIMITED = -1;

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

const isoUtc = z.iso.datetime({ error: "must be an ISO-8601 UTC date-time such as 2025-01-31T00:00:00Z" });
const code = z
  .string({ error: "must be a text code" })
  .min(1, { error: "must not be empty" })
  .max(128, { error: "must be at most 128 characters" });
const text = (max: number) =>
  z.string({ error: "must be text" }).max(max, { error: `must be at most ${max} characters` });
const nonEmptyText = (max: number) => text(max).min(1, { error: "must not be empty" });
// Whole numbers as one refinement rather than z.int(): zod treats a failed int check as aborting,
// which would hide the cross-field problems of the same license.
const whole = (min: number, max: number, error: string) =>
  z
    .number({ error: "must be a number" })
    .refine((n) => Number.isSafeInteger(n) && n >= min && n <= max, { error });
const limit = whole(
  UNLIMITED,
  Number.MAX_SAFE_INTEGER,
  "must be -1 (unlimited) or a whole number of 0 or more",
);
const id = (example: string) =>
  z.string({ error: "must be text" }).regex(ID_PATTERN, { error: `must be an id such as ${example}` });

/** The license model v2: the payload of a license file. */
export const licenseSchema = z
  .strictObject({
    // Members in RFC 8785 order (UTF-16 code units), so that parsed licenses come out of zod
    // already sorted and canonicalize() can take its fast path.
    /** Account the license belongs to (`acc_…`). */
    accountId: id("acc_7fQ2"),
    /** Units the license grants in total, -1 for unlimited. */
    accumulatedUnits: limit,
    /** Custom feature codes the license enables (open list, checked against the product catalog). */
    allowedCustomFeatures: z.array(code, { error: "must be a list of feature codes" }),
    /** Machines that may be activated, -1 for unlimited. */
    availableActivations: limit,
    createdAtComputer: text(300).nullable(),
    /** Who created the license in the generator (user id or name). */
    createdBy: nonEmptyText(300),
    /** When the license was first created (kept across versions). */
    dateIssued: isoUtc,
    /** End of validity; null means open-ended (legacy DateTime.MinValue). */
    endDate: isoUtc.nullable(),
    /** Execution mode codes the license allows (open list, checked against the product catalog). */
    executionModes: z.array(code, { error: "must be a list of execution mode codes" }),
    /** Machine fingerprint the license is bound to, or null when it is not bound. */
    fingerprint: nonEmptyText(512).nullable(),
    /** Restrictions shown to people, in display order (legacy FriendlyRestrictions). */
    friendlyRestrictions: z.array(z.strictObject({ key: nonEmptyText(200), value: text(2000) }), {
      error: "must be a list of { key, value }",
    }),
    /** License id (`lic_…`; a migrated license keeps its original GUID). Not the license key. */
    id: id("lic_2x8Kq3"),
    /** Internal-use license (for the company's own staff and systems). */
    internal: z.boolean({ error: "must be true or false" }),
    /** Id of the key that signs the file; equals the envelope's key id. */
    keyId: z
      .string({ error: "must be text" })
      .regex(KEY_ID_PATTERN, { error: "must be a key id such as k2025-01" }),
    kind: z.enum(["commercial", "test"], { error: 'must be "commercial" or "test"' }),
    /** Informational license type code from the generator (e.g. "subscription", legacy "Trial"). */
    licenseType: code,
    /** Version of the licensing format/library that produced the license, e.g. "2.0". */
    licensingAssemblyVersion: nonEmptyText(64),
    /** Free key/value pairs. */
    metadata: z.record(code, z.string({ error: "must be text" }), {
      error: "must be an object of text values",
    }),
    /** Days before the end date the expiry notice starts; null for the notifier's default. */
    notifyDays: whole(0, 3650, "must be a whole number from 0 to 3650").nullable(),
    ownerCompany: nonEmptyText(300),
    ownerEmail: z.email({ error: "must be an email address" }).max(320).nullable(),
    ownerIpAddress: z.union([z.ipv4(), z.ipv6()], { error: "must be an IPv4 or IPv6 address" }).nullable(),
    ownerName: text(300).nullable(),
    /** Display names, one per entry of `products`, same order (legacy `productFriendlyName[s]`). */
    productFriendlyNames: z.array(nonEmptyText(200), { error: "must be a list of names" }),
    /** Product codes, the first being the main product (legacy `product`). */
    products: z
      .array(code, { error: "must be a list of product codes" })
      .min(1, { error: "must list at least one product" }),
    /** Collectors a cockpit license covers (fleet leases), 0 for none, -1 for unlimited. */
    seats: limit,
    /** Serial of this version of the license: every change issues a new file with a higher serial. */
    serial: whole(1, Number.MAX_SAFE_INTEGER, "must be a whole number of 1 or more"),
    /** When this file was signed. */
    signedAt: isoUtc,
    startDate: isoUtc,
    /** Units one execution may use at most, -1 for no per-execution limit. */
    unitsPerExecution: limit,
    /** Code of what units count (e.g. "executions", "hours"); the product interprets it. */
    unitsType: code,
  })
  .superRefine(crossFieldRules, { when: () => true });

/** A license (model v2). */
export type License = z.infer<typeof licenseSchema>;

/**
 * Usage state: fields of the original model that change as the license is used. They are kept by
 * the distribution service (and cached by the client), never written into a license file.
 */
export type LicenseUsage = {
  /** Last time the product ran under the license (client side, to detect clocks set back). */
  lastExecutionDate: string | null;
  /** How many times the file was downloaded (server-side counter). */
  timesDownloaded: number;
  /** Units consumed so far. */
  consumedUnits: number;
};

type Ctx = z.core.$RefinementCtx<License>;

// Rules across fields. Runs even when some fields failed (`when`), so every problem is reported at
// once; each rule therefore checks the types it relies on.
function crossFieldRules(input: License, ctx: Ctx): void {
  if (typeof input !== "object" || input === null) return;
  const l = input as Partial<Record<keyof License, unknown>>;
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  if (isUtc(l.startDate) && isUtc(l.endDate) && compareUtc(l.endDate, l.startDate) <= 0) {
    issue(["endDate"], "must be after startDate");
  }
  if (isUtc(l.dateIssued) && isUtc(l.signedAt) && compareUtc(l.signedAt, l.dateIssued) < 0) {
    issue(["signedAt"], "must not be before dateIssued");
  }
  // A finite cap above a finite balance could never be used in full. No cap (-1) is always valid:
  // what one execution may take is then bounded by the balance left, which the client and the
  // distribution service check on every execution.
  if (
    isInt(l.accumulatedUnits) &&
    l.accumulatedUnits !== UNLIMITED &&
    isInt(l.unitsPerExecution) &&
    l.unitsPerExecution !== UNLIMITED &&
    l.unitsPerExecution > l.accumulatedUnits
  ) {
    issue(
      ["unitsPerExecution"],
      "must not exceed accumulatedUnits (one execution would use more than the license grants)",
    );
  }
  if (Array.isArray(l.products) && Array.isArray(l.productFriendlyNames)) {
    if (l.products.length !== l.productFriendlyNames.length) {
      issue(["productFriendlyNames"], `must have one name per product (${l.products.length})`);
    }
  }
  for (const field of ["products", "executionModes", "allowedCustomFeatures"] as const) {
    const list = l[field];
    if (Array.isArray(list)) duplicates(list, (i) => issue([field, i], `repeats ${clip(list[i])}`));
  }
  if (Array.isArray(l.friendlyRestrictions)) {
    const keys = l.friendlyRestrictions.map((entry) => (entry as { key?: unknown } | null)?.key);
    duplicates(keys, (i) => issue(["friendlyRestrictions", i, "key"], `repeats ${clip(keys[i])}`));
  }
}

// Lists usually hold a handful of entries, where a quadratic scan beats building a Set; long (or
// hostile) lists get the Set.
function duplicates(list: unknown[], report: (index: number) => void): void {
  if (list.length > 16) {
    const seen = new Set<unknown>();
    list.forEach((item, i) => {
      if (typeof item === "string" && seen.has(item)) report(i);
      seen.add(item);
    });
    return;
  }
  for (let i = 1; i < list.length; i++) {
    if (typeof list[i] !== "string") continue;
    for (let j = 0; j < i; j++) {
      if (list[j] === list[i]) {
        report(i);
        break;
      }
    }
  }
}

const UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;

function isUtc(value: unknown): value is string {
  return typeof value === "string" && UTC.test(value); // field checks report impossible dates
}

// Same-length ISO-8601 UTC strings compare as text; only mixed precisions need parsing.
function compareUtc(a: string, b: string): number {
  if (a.length === b.length) return a < b ? -1 : a > b ? 1 : 0;
  return Date.parse(a) - Date.parse(b);
}

function isInt(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

/** The outcome of validateLicense. */
export type LicenseValidation = { ok: true; license: License } | { ok: false; issues: ValidationIssue[] };

// Licenses this module validated, deep-frozen so they cannot have changed since: signing one again
// skips the second validation (the issuer validates a draft, then signs it).
const validated = new WeakSet<object>();

/**
 * Checks `input` against the v2 model and reports every problem, each with its dotted field path.
 * A valid license comes back deep-frozen.
 */
export function validateLicense(input: unknown): LicenseValidation {
  const result = checkLicense(input);
  if (!result.ok || validated.has(result.license)) return result;
  const license = deepFreeze(result.license);
  validated.add(license);
  vouchForLicense(license);
  return { ok: true, license };
}

/** validateLicense without freezing or remembering the result (for licenses just read from a file). */
export function checkLicense(input: unknown): LicenseValidation {
  if (typeof input === "object" && input !== null && validated.has(input))
    return { ok: true, license: input as License };
  const result = licenseSchema.safeParse(input);
  const reserved = reservedNames(input);
  if (result.success && reserved.length === 0) return { ok: true, license: result.data };
  return { ok: false, issues: [...reserved, ...(result.success ? [] : toIssues(result.error.issues))] };
}

/**
 * Vouches for the shape of a schema-built license (see vouchForShape) when it is in canonical member
 * order: the schema lists fields in that order, so only metadata, whose members keep the order
 * they came in (integer-like names always first), can be out of it.
 */
export function vouchForLicense(license: License): void {
  const names = Object.keys(license.metadata);
  for (let i = 1; i < names.length; i++) if (names[i - 1]! > names[i]!) return;
  vouchForShape(license);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

// JSON.parse makes "__proto__" an ordinary member, but zod (like most object code) silently drops
// it from its output, so the license signed would not be the one given. Refuse the name outright.
function reservedNames(input: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (typeof input !== "object" || input === null) return issues;
  if (Object.hasOwn(input, "__proto__")) issues.push({ path: "__proto__", message: "is a reserved name" });
  const metadata = (input as { metadata?: unknown }).metadata;
  if (typeof metadata === "object" && metadata !== null && Object.hasOwn(metadata, "__proto__")) {
    issues.push({ path: "metadata.__proto__", message: "is a reserved name" });
  }
  return issues;
}

/** Zod issues as `{ path, message }`, one per unknown field, root problems under the path "". */
export function toIssues(issues: readonly z.core.$ZodIssue[]): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys)
        out.push({ path: path === "" ? key : `${path}.${key}`, message: "is not a known field" });
    } else if (path === "" && issue.code === "invalid_type") {
      out.push({ path, message: "a license must be a JSON object" });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}
