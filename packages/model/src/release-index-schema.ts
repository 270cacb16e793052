// The release index (docs/license-file-format.md, "Release index"): which releases of one product
// on one channel exist, and the size and SHA-256 of every artifact, signed so that a product can
// trust what it downloads from any mirror. This file holds the payload's schema and its rules;
// release-index.ts signs and opens it.
import { z } from "zod";
import { clip, type ValidationIssue } from "./errors.ts";
import { toIssues } from "./license.ts";
import { compareSemver, isSemver, MAX_SEMVER_LENGTH, parseSemver } from "./semver.ts";

/** Releases one index may list. */
export const MAX_RELEASES = 1000;
/** Artifacts one release may list. */
export const MAX_ARTIFACTS = 64;
/** Characters of a release's `notes`. */
export const MAX_NOTES_LENGTH = 2000;
/** Characters of an artifact's `fileName`. */
export const MAX_FILE_NAME_LENGTH = 255;
/** Longest time from `issuedAt` to `expiresAt`: an index is short-lived by construction. */
export const MAX_INDEX_LIFETIME_MS = 31 * 24 * 3600 * 1000;

// NUL and the other C0 controls, DEL and the C1 controls: never in a single-line field.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Notes may hold line breaks and tabs, nothing else of the above.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters refused
const NOTES_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Text without control characters or lone UTF-16 surrogates (which have no UTF-8 form). */
const cleanText = (min: number, max: number, control = CONTROL) =>
  z
    .string({ error: "must be text" })
    .min(min, { error: "must not be empty" })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((s) => s.isWellFormed(), { error: "must not contain a lone UTF-16 surrogate" })
    .refine((s) => !control.test(s), { error: "must not contain control characters (such as NUL)" });

/** Product and channel codes: as in licenses, 1–128 characters. */
const code = cleanText(1, 128);
/** Platform, architecture and file type: short lower-case tokens (`windows`, `arm64`, `tar.gz`). */
const token = (example: string) =>
  z.string({ error: "must be text" }).regex(/^[a-z0-9][a-z0-9._+-]{0,31}$/, {
    error: `must be a lower-case token of at most 32 characters such as ${example}`,
  });
const isoUtc = z.iso.datetime({ error: "must be an ISO-8601 UTC date-time such as 2025-01-31T00:00:00Z" });
const semver = z.string({ error: "must be text" }).refine(isSemver, {
  error: `must be a semantic version such as 1.4.2 (at most ${MAX_SEMVER_LENGTH} characters)`,
});
const whole = (min: number, error: string) =>
  z.number({ error: "must be a number" }).refine((n) => Number.isSafeInteger(n) && n >= min, { error });
// A file name a client can write as it is on any system: no directory part, none of the characters
// Windows reserves (":" would even name an NTFS alternate data stream), no trailing dot or space
// (Windows drops them), no control characters.
const fileName = cleanText(1, MAX_FILE_NAME_LENGTH).refine((s) => !/[<>:"/\\|?*]|[. ]$/.test(s), {
  error: 'must be a plain file name: none of < > : " / \\ | ? *, not ending with a dot or a space',
});

// Members in RFC 8785 order (UTF-16 code units), as in license.ts.
export const artifactSchema = z.strictObject({
  /** CPU architecture, e.g. `x64`, `arm64`. */
  arch: token("x64"),
  /** Name to save the file under, e.g. `collector-2.4.0-win-x64.msi`. */
  fileName,
  /** Package kind, e.g. `msi`, `zip`, `tar.gz`. */
  fileType: token("msi"),
  /** Operating system, e.g. `windows`, `linux`, `macos`. */
  platform: token("windows"),
  /** SHA-256 of the file's bytes, 64 lower-case hex digits. */
  sha256: z.string({ error: "must be text" }).regex(/^[0-9a-f]{64}$/, {
    error: "must be a SHA-256 digest: 64 lower-case hex digits",
  }),
  /** Exact size of the file in bytes (no upper bound below 2^53). */
  size: whole(1, "must be a whole number of bytes, at least 1"),
});

export const releaseSchema = z.strictObject({
  artifacts: z
    .array(artifactSchema, { error: "must be a list of artifacts" })
    .max(MAX_ARTIFACTS, { error: `must list at most ${MAX_ARTIFACTS} artifacts` }),
  /** Highest version this release can be installed over (inclusive); absent: no upper bound. */
  maxUpgradableFrom: semver.optional(),
  /** Lowest version this release can be installed over (inclusive); absent: no lower bound. */
  minUpgradableFrom: semver.optional(),
  /** A short plain-text summary; the full Markdown notes are served beside the index. */
  notes: cleanText(0, MAX_NOTES_LENGTH, NOTES_CONTROL).optional(),
  publishedAt: isoUtc,
  version: semver,
  /** Withdrawn: never offered, listed so that a product running it can tell. */
  yanked: z.boolean({ error: "must be true or false" }),
});

/** The payload of a `release-index` document. */
export const releaseIndexSchema = z
  .strictObject({
    channel: code,
    /** After this instant the index is stale and refused (a frozen index). */
    expiresAt: isoUtc,
    /** Grows with every index the issuer signs for this product and channel. */
    indexVersion: whole(1, "must be a whole number of 1 or more"),
    issuedAt: isoUtc,
    product: code,
    releases: z
      .array(releaseSchema, { error: "must be a list of releases" })
      .max(MAX_RELEASES, { error: `must list at most ${MAX_RELEASES} releases` }),
  })
  .superRefine(crossFieldRules, { when: () => true });

export type Artifact = z.infer<typeof artifactSchema>;
export type Release = z.infer<typeof releaseSchema>;
/** A release index: the payload of a `release-index` document. */
export type ReleaseIndex = z.infer<typeof releaseIndexSchema>;

type Ctx = z.core.$RefinementCtx<ReleaseIndex>;

function crossFieldRules(input: ReleaseIndex, ctx: Ctx): void {
  if (typeof input !== "object" || input === null) return;
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  const { issuedAt, expiresAt, releases } = input as Partial<Record<keyof ReleaseIndex, unknown>>;
  if (isUtc(issuedAt) && isUtc(expiresAt)) {
    const lifetime = Date.parse(expiresAt) - Date.parse(issuedAt);
    if (lifetime <= 0) issue(["expiresAt"], "must be after issuedAt");
    else if (lifetime > MAX_INDEX_LIFETIME_MS)
      issue(["expiresAt"], "must be at most 31 days after issuedAt (an index is short-lived)");
  }
  if (!Array.isArray(releases)) return;
  // Versions equal in precedence (`1.0.0+a`, `1.0.0+b`) would make "the highest" ambiguous.
  const seen = new Map<string, number>();
  releases.forEach((release: unknown, i) => {
    if (typeof release !== "object" || release === null) return;
    const r = release as Partial<Record<keyof Release, unknown>>;
    if (isSemver(r.version)) {
      const v = parseSemver(r.version);
      const key = [v.major, v.minor, v.patch, ...v.prerelease].join("|");
      const first = seen.get(key);
      if (first !== undefined) issue(["releases", i, "version"], `repeats the version of release ${first}`);
      else seen.set(key, i);
    }
    if (isSemver(r.minUpgradableFrom) && isSemver(r.maxUpgradableFrom)) {
      if (compareSemver(r.minUpgradableFrom, r.maxUpgradableFrom) > 0)
        issue(["releases", i, "maxUpgradableFrom"], "must not be below minUpgradableFrom");
    }
    if (Array.isArray(r.artifacts)) {
      const kinds = new Set<string>();
      r.artifacts.forEach((artifact: unknown, j) => {
        const a = artifact as Partial<Record<keyof Artifact, unknown>> | null;
        if (typeof a !== "object" || a === null) return;
        const kind = `${String(a.platform)}/${String(a.arch)}/${String(a.fileType)}`;
        if (kinds.has(kind))
          issue(["releases", i, "artifacts", j], `repeats platform/arch/fileType ${clip(kind)}`);
        kinds.add(kind);
      });
    }
  });
}

const UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;
function isUtc(value: unknown): value is string {
  return typeof value === "string" && UTC.test(value) && !Number.isNaN(Date.parse(value));
}

/** The outcome of checking a release index. */
export type ReleaseIndexValidation =
  | { ok: true; index: ReleaseIndex }
  | { ok: false; issues: ValidationIssue[] };

/** Checks `input` against the release index schema and reports every problem with its field path. */
export function checkReleaseIndex(input: unknown): ReleaseIndexValidation {
  // Every object is strict, so a "__proto__" member (which JSON.parse makes an ordinary member and
  // zod would otherwise drop) is reported as unknown, not silently lost.
  const result = releaseIndexSchema.safeParse(input);
  if (result.success) return { ok: true, index: result.data };
  const issues = toIssues(result.error.issues);
  if (issues[0]?.path === "" && issues[0].message.startsWith("a license"))
    issues[0] = { path: "", message: "a release index must be a JSON object" };
  return { ok: false, issues };
}
