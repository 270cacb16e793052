// Release index fixtures: a release key of its own (never the license-file key of fixtures.ts) and
// a valid index to start each test from.
import fc from "fast-check";
import { nobleEd25519 } from "../src/ed25519-noble.ts";
import { createSigner } from "../src/key-set.ts";
import type { Artifact, Release, ReleaseIndex } from "../src/release-index-schema.ts";
import { compareSemver } from "../src/semver.ts";

export const RELEASE_PRIVATE_KEY = Uint8Array.from({ length: 32 }, (_, i) => 100 + i);
export const RELEASE_KEY_ID = "r2025-01";
export const RELEASE_KEYS = [
  { keyId: RELEASE_KEY_ID, publicKey: nobleEd25519.getPublicKey(RELEASE_PRIVATE_KEY) },
];
export const releaseSigner = createSigner(RELEASE_KEY_ID, RELEASE_PRIVATE_KEY);

export const ISSUED_AT = "2026-03-01T00:00:00Z";
export const EXPIRES_AT = "2026-03-02T00:00:00Z";
/** An instant within the sample index's validity. */
export const NOW = Date.parse("2026-03-01T12:00:00Z");

export function sampleArtifact(overrides: Partial<Artifact> = {}): Artifact {
  return {
    platform: "windows",
    arch: "x64",
    fileType: "msi",
    fileName: "collector-2.4.0-win-x64.msi",
    size: 48_213_504,
    sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ...overrides,
  };
}

export function sampleRelease(overrides: Partial<Release> = {}): Release {
  return {
    version: "2.4.0",
    publishedAt: "2026-02-20T10:00:00Z",
    notes: "Faster scans.\nFixes the proxy setting.",
    minUpgradableFrom: "2.0.0",
    yanked: false,
    artifacts: [
      sampleArtifact(),
      sampleArtifact({ platform: "linux", fileType: "tar.gz", fileName: "collector-2.4.0-linux-x64.tar.gz" }),
    ],
    ...overrides,
  };
}

export function sampleIndex(overrides: Partial<ReleaseIndex> = {}): ReleaseIndex {
  return {
    product: "collector",
    channel: "stable",
    indexVersion: 7,
    issuedAt: ISSUED_AT,
    expiresAt: EXPIRES_AT,
    releases: [
      sampleRelease({ version: "2.3.1", publishedAt: "2026-01-10T10:00:00Z", notes: undefined }),
      sampleRelease(),
    ],
    ...overrides,
  };
}

const token = fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,7}$/);
const num = fc.integer({ min: 0, max: 30 }).map(String);
const semverArbitrary = fc
  .tuple(
    num,
    num,
    num,
    fc.option(fc.stringMatching(/^(?:rc|beta|alpha)\.(?:0|[1-9][0-9]?)$/)),
    fc.option(fc.stringMatching(/^[0-9a-z]{1,6}$/)),
  )
  .map(([a, b, c, pre, build]) => `${a}.${b}.${c}${pre ? `-${pre}` : ""}${build ? `+${build}` : ""}`);

/** Valid release indexes, with sizes past 2^32 and non-ASCII notes. */
export const releaseIndexArbitrary: fc.Arbitrary<ReleaseIndex> = fc
  .record({
    product: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
    channel: fc.constantFrom("stable", "beta", "test"),
    indexVersion: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    issued: fc.integer({ min: Date.UTC(2020, 0, 1) / 1000, max: Date.UTC(2090, 0, 1) / 1000 }),
    lifetime: fc.integer({ min: 1, max: 31 * 24 * 3600 }),
    releases: fc.uniqueArray(
      fc.record({
        version: semverArbitrary,
        notes: fc.option(
          fc
            .string({ unit: "grapheme", maxLength: 40 })
            // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters notes refuse
            .filter((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(s)),
          { nil: undefined },
        ),
        yanked: fc.boolean(),
        range: fc.tuple(fc.option(semverArbitrary), fc.option(semverArbitrary)),
        artifacts: fc.uniqueArray(
          fc.record({
            platform: token,
            arch: token,
            fileType: token,
            fileName: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._ -]{0,30}[A-Za-z0-9]$/),
            size: fc.oneof(
              fc.integer({ min: 1, max: 1 << 20 }),
              fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
            ),
            sha256: fc
              .uint8Array({ minLength: 32, maxLength: 32 })
              .map((b) => Buffer.from(b).toString("hex")),
          }),
          { maxLength: 4, selector: (a) => `${a.platform}/${a.arch}/${a.fileType}` },
        ),
      }),
      { maxLength: 6, selector: (r) => r.version.replace(/\+.*/, "") },
    ),
  })
  .map(({ issued, lifetime, releases, ...rest }) => ({
    ...rest,
    issuedAt: `${new Date(issued * 1000).toISOString().slice(0, 19)}Z`,
    expiresAt: `${new Date((issued + lifetime) * 1000).toISOString().slice(0, 19)}Z`,
    releases: releases.map(({ range, ...r }) => {
      const release: Release = { ...r, publishedAt: "2026-01-01T00:00:00Z" };
      if (r.notes === undefined) delete release.notes;
      // An upgradable-from range with either bound or both, the lower one first.
      const [a, b] = range;
      const [min, max] = a !== null && b !== null && compareSemver(a, b) > 0 ? [b, a] : [a, b];
      if (min !== null) release.minUpgradableFrom = min;
      if (max !== null) release.maxUpgradableFrom = max;
      return release;
    }),
  }));
