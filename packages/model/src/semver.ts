// Semantic Versioning 2.0.0 (https://semver.org), strictly: the release index's `version` fields are
// part of the signed format, so their grammar and order are defined here rather than borrowed from a
// library with its own leniencies (the `semver` package accepts a leading `v`, trims whitespace and
// is CommonJS: it would add to every browser bundle for the sake of one regular expression and one
// comparison).
import { clip, ModelError } from "./errors.ts";

/** Longest version string accepted (semver.org sets no limit; a signed format needs one). */
export const MAX_SEMVER_LENGTH = 128;

// semver.org's own regular expression, unchanged.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** A parsed version. Numbers stay digit strings: SemVer sets no upper bound on them. */
export type SemVer = {
  major: string;
  minor: string;
  patch: string;
  /** Pre-release identifiers (`1.0.0-rc.1` → ["rc", "1"]); empty for a release. */
  prerelease: string[];
  /** Build metadata identifiers; ignored by precedence. */
  build: string[];
};

/** True when `text` is a SemVer 2.0.0 version of at most MAX_SEMVER_LENGTH characters. */
export function isSemver(text: unknown): text is string {
  return typeof text === "string" && text.length <= MAX_SEMVER_LENGTH && SEMVER.test(text);
}

/** Parses a SemVer 2.0.0 version. Throws ModelError `invalid_argument`. */
export function parseSemver(text: string): SemVer {
  const match = typeof text === "string" && text.length <= MAX_SEMVER_LENGTH ? SEMVER.exec(text) : null;
  if (match === null) {
    throw new ModelError(
      "invalid_argument",
      `${clip(text)} is not a semantic version such as 1.4.2 or 2.0.0-rc.1.`,
    );
  }
  return {
    major: match[1]!,
    minor: match[2]!,
    patch: match[3]!,
    prerelease: match[4] === undefined ? [] : match[4].split("."),
    build: match[5] === undefined ? [] : match[5].split("."),
  };
}

/**
 * SemVer precedence (semver.org §11): negative when `a` < `b`, 0 when equal (build metadata is
 * ignored, so `1.0.0+a` and `1.0.0+b` are equal), positive when `a` > `b`.
 */
export function compareSemver(a: string | SemVer, b: string | SemVer): number {
  const x = typeof a === "string" ? parseSemver(a) : a;
  const y = typeof b === "string" ? parseSemver(b) : b;
  const core =
    compareNumeric(x.major, y.major) || compareNumeric(x.minor, y.minor) || compareNumeric(x.patch, y.patch);
  if (core !== 0) return core;
  // A pre-release ranks below the release itself.
  if (x.prerelease.length === 0 || y.prerelease.length === 0)
    return y.prerelease.length - x.prerelease.length;
  const n = Math.min(x.prerelease.length, y.prerelease.length);
  for (let i = 0; i < n; i++) {
    const order = compareIdentifier(x.prerelease[i]!, y.prerelease[i]!);
    if (order !== 0) return order;
  }
  return x.prerelease.length - y.prerelease.length;
}

const NUMERIC = /^\d+$/;

function compareIdentifier(a: string, b: string): number {
  const an = NUMERIC.test(a);
  const bn = NUMERIC.test(b);
  if (an && bn) return compareNumeric(a, b);
  if (an !== bn) return an ? -1 : 1; // numeric identifiers rank below alphanumeric ones
  return a < b ? -1 : a > b ? 1 : 0; // ASCII order
}

// Digit strings without leading zeros (the grammar forbids them): longer is larger, else as text.
function compareNumeric(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
