import { sha256 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../src/bytes.ts";
import { canonicalBytes } from "../src/canonical-json.ts";
import { toBase64 } from "../src/codec-node.ts";
import { nobleEd25519 } from "../src/ed25519-noble.ts";
import { sealDocument } from "../src/envelope.ts";
import { isModelError } from "../src/errors.ts";
import { signLicense, verifyLicenseFile } from "../src/license-file.ts";
import {
  MAX_CLOCK_SKEW_MS,
  openReleaseIndex,
  RELEASE_INDEX_PURPOSE,
  type ReleaseIndexState,
  sealReleaseIndex,
} from "../src/release-index.ts";
import {
  checkReleaseIndex,
  MAX_ARTIFACTS,
  MAX_FILE_NAME_LENGTH,
  MAX_NOTES_LENGTH,
  MAX_RELEASES,
  type ReleaseIndex,
} from "../src/release-index-schema.ts";
import { KEY_ID, KEYS, sampleLicense, signer } from "./fixtures.ts";
import { codeOf, rewrap } from "./helpers.ts";
import {
  EXPIRES_AT,
  NOW,
  RELEASE_KEY_ID,
  RELEASE_KEYS,
  releaseIndexArbitrary,
  releaseSigner,
  sampleArtifact,
  sampleIndex,
  sampleRelease,
} from "./release-fixtures.ts";

const open = (
  text: string,
  extra: { now?: number; lastSeen?: ReleaseIndexState; product?: string; channel?: string } = {},
) => openReleaseIndex(text, { keys: RELEASE_KEYS, now: NOW, ...extra });

/** The field paths checkReleaseIndex reports for `index`. */
function issuesOf(index: unknown): string[] {
  const result = checkReleaseIndex(index);
  return result.ok ? [] : result.issues.map((i) => i.path);
}

describe("sealReleaseIndex / openReleaseIndex", () => {
  it("round-trips any valid index, and returns the state to keep", () => {
    fc.assert(
      fc.property(releaseIndexArbitrary, (index) => {
        const text = sealReleaseIndex(index, releaseSigner);
        expect(text.startsWith("-----BEGIN RELEASE INDEX-----\n")).toBe(true);
        const now = Date.parse(index.issuedAt);
        const opened = openReleaseIndex(text, { keys: RELEASE_KEYS, now });
        expect(opened.index).toEqual(index);
        expect(opened.keyId).toBe(RELEASE_KEY_ID);
        const { issuedAt: _issuedAt, expiresAt: _expiresAt, ...content } = index;
        expect(opened.state).toEqual({
          product: index.product,
          channel: index.channel,
          indexVersion: index.indexVersion,
          expiresAt: index.expiresAt,
          digest: toHex(sha256(canonicalBytes(content))),
        });
        // The same index again is accepted with its own state as lastSeen (a refresh).
        expect(openReleaseIndex(text, { keys: RELEASE_KEYS, now, lastSeen: opened.state }).state).toEqual(
          opened.state,
        );
      }),
      { numRuns: 100 },
    );
  });

  it("verifies with the noble implementation too", () => {
    const text = sealReleaseIndex(sampleIndex(), releaseSigner);
    expect(openReleaseIndex(text, { keys: RELEASE_KEYS, now: NOW, ed25519: nobleEd25519 }).index).toEqual(
      sampleIndex(),
    );
  });

  it("accepts a newer index over the last one seen", () => {
    const first = open(sealReleaseIndex(sampleIndex(), releaseSigner));
    const next = open(sealReleaseIndex(sampleIndex({ indexVersion: 8 }), releaseSigner), {
      lastSeen: first.state,
    });
    expect(next.state.indexVersion).toBe(8);
  });

  it("refuses a rollback to an older index", () => {
    const old = sealReleaseIndex(sampleIndex({ indexVersion: 6 }), releaseSigner);
    const seen = open(sealReleaseIndex(sampleIndex(), releaseSigner)).state;
    expect(codeOf(() => open(old))).toBe("ok");
    try {
      open(old, { lastSeen: seen });
      expect.unreachable();
    } catch (error) {
      expect(isModelError(error, "index_rollback")).toBe(true);
      expect((error as Error).message).toMatch(/version 6, older than version 7/);
    }
  });

  it("accepts the version already seen signed again for freshness (same content, new dates)", () => {
    const seen = open(sealReleaseIndex(sampleIndex(), releaseSigner)).state;
    const refreshed = sealReleaseIndex(
      sampleIndex({ issuedAt: "2026-03-01T01:00:00Z", expiresAt: "2026-03-02T01:00:00Z" }),
      releaseSigner,
    );
    expect(open(refreshed, { lastSeen: seen }).state).toEqual({ ...seen, expiresAt: "2026-03-02T01:00:00Z" });
  });

  it("refuses other content under the version already seen", () => {
    const seen = open(sealReleaseIndex(sampleIndex(), releaseSigner)).state;
    const fork = sealReleaseIndex(sampleIndex({ releases: [sampleRelease()] }), releaseSigner);
    expect(codeOf(() => open(fork, { lastSeen: seen }))).toBe("index_conflict");
  });

  it("refuses an expired (frozen) index, at its expiry instant and after", () => {
    const text = sealReleaseIndex(sampleIndex(), releaseSigner);
    expect(codeOf(() => open(text, { now: Date.parse(EXPIRES_AT) - 1 }))).toBe("ok");
    expect(codeOf(() => open(text, { now: Date.parse(EXPIRES_AT) }))).toBe("index_expired");
    expect(codeOf(() => open(text, { now: Date.parse("2027-01-01T00:00:00Z") }))).toBe("index_expired");
  });

  it("refuses an index issued in the future beyond the allowed clock skew", () => {
    const text = sealReleaseIndex(sampleIndex(), releaseSigner);
    const issued = Date.parse(sampleIndex().issuedAt);
    expect(codeOf(() => open(text, { now: issued - MAX_CLOCK_SKEW_MS }))).toBe("ok");
    expect(codeOf(() => open(text, { now: issued - MAX_CLOCK_SKEW_MS - 1 }))).toBe("index_not_yet_valid");
  });

  it("refuses another product's or channel's index", () => {
    const text = sealReleaseIndex(sampleIndex(), releaseSigner);
    expect(codeOf(() => open(text, { product: "collector", channel: "stable" }))).toBe("ok");
    expect(codeOf(() => open(text, { product: "cockpit" }))).toBe("index_scope_mismatch");
    expect(codeOf(() => open(text, { channel: "beta" }))).toBe("index_scope_mismatch");
    const betaSeen = { ...open(text).state, channel: "beta", indexVersion: 1 };
    expect(codeOf(() => open(text, { lastSeen: betaSeen }))).toBe("index_scope_mismatch");
  });

  it("checks in order: rollback before expiry", () => {
    const old = sealReleaseIndex(sampleIndex({ indexVersion: 6 }), releaseSigner);
    const seen = open(sealReleaseIndex(sampleIndex(), releaseSigner)).state;
    expect(codeOf(() => open(old, { lastSeen: seen, now: Date.parse("2027-01-01T00:00:00Z") }))).toBe(
      "index_rollback",
    );
  });

  it("refuses a tampered payload and an unknown key", () => {
    const text = sealReleaseIndex(sampleIndex(), releaseSigner);
    const tampered = rewrap(text, (e) => {
      const payload = Buffer.from(e.payload as string, "base64").toString("utf8");
      return { ...e, payload: toBase64(Buffer.from(payload.replace('"size":48213504', '"size":48213505'))) };
    });
    expect(tampered).not.toBe(text);
    expect(codeOf(() => open(tampered))).toBe("bad_signature");
    // Signed with the license-file key: not a release key.
    expect(codeOf(() => open(sealReleaseIndex(sampleIndex(), signer)))).toBe("unknown_key");
    expect(codeOf(() => openReleaseIndex(text, { keys: KEYS, now: NOW }))).toBe("unknown_key");
  });

  it("keeps license files and release indexes apart, whatever the key", () => {
    const license = signLicense(sampleLicense(), signer);
    const keys = [...KEYS, ...RELEASE_KEYS];
    expect(codeOf(() => openReleaseIndex(license, { keys, now: NOW }))).toBe("wrong_purpose");
    const relabelled = rewrap(license, (e) => ({ ...e, purpose: RELEASE_INDEX_PURPOSE }), "RELEASE INDEX");
    expect(codeOf(() => openReleaseIndex(relabelled, { keys, now: NOW }))).toBe("bad_signature");
    // Even an index signed with the license key (which the issuer never does) is no license file.
    const index = sealReleaseIndex(sampleIndex(), signer);
    expect(codeOf(() => verifyLicenseFile(index, keys))).toBe("wrong_purpose");
    const asLicense = rewrap(index, (e) => ({ ...e, purpose: "license-file" }), "LICENSE FILE");
    expect(codeOf(() => verifyLicenseFile(asLicense, keys))).toBe("bad_signature");
    expect(KEY_ID).not.toBe(RELEASE_KEY_ID);
  });

  it("refuses any changed character of a signed index with a typed error", () => {
    const text = sealReleaseIndex(sampleIndex(), releaseSigner);
    const body = text.indexOf("\n") + 1;
    fc.assert(
      fc.property(
        fc.integer({ min: body, max: text.lastIndexOf("-----END") - 2 }),
        fc.constantFrom("A", "b", "+", "9"),
        (at, c) => {
          fc.pre(text[at] !== c && text[at] !== "\n");
          const changed = text.slice(0, at) + c + text.slice(at + 1);
          const code = codeOf(() => open(changed));
          expect(code).not.toBe("ok");
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses an authentic payload that is not a valid index", () => {
    const bad = sealDocument({
      purpose: RELEASE_INDEX_PURPOSE,
      payload: { ...sampleIndex(), indexVersion: 0 },
      signer: releaseSigner,
    });
    try {
      open(bad);
      expect.unreachable();
    } catch (error) {
      expect(isModelError(error, "invalid_payload")).toBe(true);
      expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(["indexVersion"]);
    }
    const notObject = sealDocument({ purpose: RELEASE_INDEX_PURPOSE, payload: [1], signer: releaseSigner });
    expect(codeOf(() => open(notObject))).toBe("invalid_payload");
  });

  it("refuses to sign an invalid index, listing every problem", () => {
    try {
      sealReleaseIndex(sampleIndex({ indexVersion: -1, product: "" }), releaseSigner);
      expect.unreachable();
    } catch (error) {
      expect(isModelError(error, "invalid_payload")).toBe(true);
      expect((error as { issues: { path: string }[] }).issues.map((i) => i.path).sort()).toEqual([
        "indexVersion",
        "product",
      ]);
    }
  });

  it("refuses bad arguments with invalid_argument", () => {
    const text = sealReleaseIndex(sampleIndex(), releaseSigner);
    expect(codeOf(() => openReleaseIndex(text, { keys: RELEASE_KEYS, now: Number.NaN }))).toBe(
      "invalid_argument",
    );
    const state = open(text).state;
    for (const lastSeen of [{ ...state, digest: "x" }, { ...state, indexVersion: 1.5 }, null])
      expect(codeOf(() => open(text, { lastSeen: lastSeen as ReleaseIndexState }))).toBe("invalid_argument");
  });
});

describe("release index fields", () => {
  it("accepts the sample, sizes past 4 GiB and up to 2^53 - 1, and no notes or range", () => {
    expect(issuesOf(sampleIndex())).toEqual([]);
    const big = sampleRelease({
      artifacts: [
        sampleArtifact({ size: 5 * 2 ** 30 }),
        sampleArtifact({ arch: "arm64", size: Number.MAX_SAFE_INTEGER }),
      ],
    });
    expect(issuesOf(sampleIndex({ releases: [big] }))).toEqual([]);
    const bare = sampleRelease();
    delete bare.notes;
    delete bare.minUpgradableFrom;
    expect(issuesOf(sampleIndex({ releases: [bare] }))).toEqual([]);
    expect(issuesOf(sampleIndex({ releases: [] }))).toEqual([]);
  });

  it.each<[string, (i: ReleaseIndex) => unknown, string[]]>([
    ["indexVersion 0", (i) => ({ ...i, indexVersion: 0 }), ["indexVersion"]],
    ["indexVersion fractional", (i) => ({ ...i, indexVersion: 1.5 }), ["indexVersion"]],
    ["indexVersion past 2^53", (i) => ({ ...i, indexVersion: 2 ** 53 }), ["indexVersion"]],
    ["issuedAt not a date", (i) => ({ ...i, issuedAt: "yesterday" }), ["issuedAt"]],
    ["expiresAt with an offset", (i) => ({ ...i, expiresAt: "2026-03-02T00:00:00+01:00" }), ["expiresAt"]],
    ["expiresAt = issuedAt", (i) => ({ ...i, expiresAt: i.issuedAt }), ["expiresAt"]],
    ["expiresAt 32 days on", (i) => ({ ...i, expiresAt: "2026-04-02T00:00:00Z" }), ["expiresAt"]],
    ["unknown member", (i) => ({ ...i, signature: "x" }), ["signature"]],
    [
      "__proto__ member",
      (i) => JSON.parse(JSON.stringify(i).replace("{", '{"__proto__":{},')),
      ["__proto__"],
    ],
    ["missing product", ({ product: _, ...i }) => i, ["product"]],
    ["product with NUL", (i) => ({ ...i, product: "coll\u0000ector" }), ["product"]],
    ["channel with a lone surrogate", (i) => ({ ...i, channel: "beta\ud800" }), ["channel"]],
    ["channel of 129 characters", (i) => ({ ...i, channel: "c".repeat(129) }), ["channel"]],
    ["releases not a list", (i) => ({ ...i, releases: {} }), ["releases"]],
    [
      "version with a v",
      (i) => ({ ...i, releases: [sampleRelease({ version: "v2.4.0" })] }),
      ["releases.0.version"],
    ],
    [
      "version with a leading zero",
      (i) => ({ ...i, releases: [sampleRelease({ version: "2.04.0" })] }),
      ["releases.0.version"],
    ],
    [
      "version too long",
      (i) => ({ ...i, releases: [sampleRelease({ version: `1.0.0-${"a".repeat(123)}` })] }),
      ["releases.0.version"],
    ],
    [
      "versions equal in precedence",
      (i) => ({
        ...i,
        releases: [sampleRelease({ version: "1.0.0+a" }), sampleRelease({ version: "1.0.0+b" })],
      }),
      ["releases.1.version"],
    ],
    [
      "min above max",
      (i) => ({
        ...i,
        releases: [sampleRelease({ minUpgradableFrom: "2.1.0", maxUpgradableFrom: "2.0.9" })],
      }),
      ["releases.0.maxUpgradableFrom"],
    ],
    [
      "bad minUpgradableFrom",
      (i) => ({ ...i, releases: [sampleRelease({ minUpgradableFrom: "2" })] }),
      ["releases.0.minUpgradableFrom"],
    ],
    [
      "yanked missing",
      (i) => ({ ...i, releases: [{ ...sampleRelease(), yanked: undefined }] }),
      ["releases.0.yanked"],
    ],
    [
      "notes with NUL",
      (i) => ({ ...i, releases: [sampleRelease({ notes: "a\u0000b" })] }),
      ["releases.0.notes"],
    ],
    [
      "notes with a lone surrogate",
      (i) => ({ ...i, releases: [sampleRelease({ notes: "\udc00" })] }),
      ["releases.0.notes"],
    ],
    [
      "notes past the cap",
      (i) => ({ ...i, releases: [sampleRelease({ notes: "n".repeat(MAX_NOTES_LENGTH + 1) })] }),
      ["releases.0.notes"],
    ],
    [
      "size 0",
      (i) => ({ ...i, releases: [sampleRelease({ artifacts: [sampleArtifact({ size: 0 })] })] }),
      ["releases.0.artifacts.0.size"],
    ],
    [
      "size past 2^53",
      (i) => ({ ...i, releases: [sampleRelease({ artifacts: [sampleArtifact({ size: 2 ** 53 })] })] }),
      ["releases.0.artifacts.0.size"],
    ],
    [
      "size as text",
      (i) => ({ ...i, releases: [sampleRelease({ artifacts: [sampleArtifact({ size: "12" as never })] })] }),
      ["releases.0.artifacts.0.size"],
    ],
    [
      "upper-case sha256",
      (i) => ({
        ...i,
        releases: [
          sampleRelease({
            artifacts: [
              sampleArtifact({ sha256: "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08" }),
            ],
          }),
        ],
      }),
      ["releases.0.artifacts.0.sha256"],
    ],
    [
      "short sha256",
      (i) => ({ ...i, releases: [sampleRelease({ artifacts: [sampleArtifact({ sha256: "9f86" })] })] }),
      ["releases.0.artifacts.0.sha256"],
    ],
    [
      "fileName with a directory",
      (i) => ({
        ...i,
        releases: [sampleRelease({ artifacts: [sampleArtifact({ fileName: "../evil.exe" })] })],
      }),
      ["releases.0.artifacts.0.fileName"],
    ],
    [
      "fileName with a backslash",
      (i) => ({ ...i, releases: [sampleRelease({ artifacts: [sampleArtifact({ fileName: "a\\b.msi" })] })] }),
      ["releases.0.artifacts.0.fileName"],
    ],
    [
      "fileName ..",
      (i) => ({ ...i, releases: [sampleRelease({ artifacts: [sampleArtifact({ fileName: ".." })] })] }),
      ["releases.0.artifacts.0.fileName"],
    ],
    [
      "fileName naming an NTFS stream",
      (i) => ({
        ...i,
        releases: [sampleRelease({ artifacts: [sampleArtifact({ fileName: "setup.msi:payload" })] })],
      }),
      ["releases.0.artifacts.0.fileName"],
    ],
    [
      "fileName ending with a dot",
      (i) => ({
        ...i,
        releases: [sampleRelease({ artifacts: [sampleArtifact({ fileName: "setup.msi." })] })],
      }),
      ["releases.0.artifacts.0.fileName"],
    ],
    [
      "fileName with NUL",
      (i) => ({
        ...i,
        releases: [sampleRelease({ artifacts: [sampleArtifact({ fileName: "a\u0000.msi" })] })],
      }),
      ["releases.0.artifacts.0.fileName"],
    ],
    [
      "fileName past the cap",
      (i) => ({
        ...i,
        releases: [
          sampleRelease({ artifacts: [sampleArtifact({ fileName: "f".repeat(MAX_FILE_NAME_LENGTH + 1) })] }),
        ],
      }),
      ["releases.0.artifacts.0.fileName"],
    ],
    [
      "platform upper case",
      (i) => ({ ...i, releases: [sampleRelease({ artifacts: [sampleArtifact({ platform: "Windows" })] })] }),
      ["releases.0.artifacts.0.platform"],
    ],
    [
      "arch of 33 characters",
      (i) => ({ ...i, releases: [sampleRelease({ artifacts: [sampleArtifact({ arch: "a".repeat(33) })] })] }),
      ["releases.0.artifacts.0.arch"],
    ],
    [
      "duplicate artifact kind",
      (i) => ({
        ...i,
        releases: [
          sampleRelease({ artifacts: [sampleArtifact(), sampleArtifact({ fileName: "other.msi" })] }),
        ],
      }),
      ["releases.0.artifacts.1"],
    ],
    [
      "__proto__ in an artifact",
      (i) =>
        JSON.parse(
          JSON.stringify({ ...i, releases: [sampleRelease({ artifacts: [sampleArtifact()] })] }).replace(
            '{"platform"',
            '{"__proto__":1,"platform"',
          ),
        ),
      ["releases.0.artifacts.0.__proto__"],
    ],
  ])("refuses %s", (_, change, paths) => {
    expect(issuesOf(change(sampleIndex()))).toEqual(paths);
  });

  it("refuses what is not an object", () => {
    for (const input of [null, [], "index", 7]) expect(issuesOf(input)).toEqual([""]);
    const result = checkReleaseIndex(null);
    expect(!result.ok && result.issues[0]!.message).toBe("a release index must be a JSON object");
  });

  it("takes counts and lengths up to each cap, and refuses one past it", () => {
    const artifacts = (n: number) =>
      Array.from({ length: n }, (_, i) => sampleArtifact({ arch: `a${i}`, fileName: `f${i}.msi` }));
    expect(
      issuesOf(sampleIndex({ releases: [sampleRelease({ artifacts: artifacts(MAX_ARTIFACTS) })] })),
    ).toEqual([]);
    expect(
      issuesOf(sampleIndex({ releases: [sampleRelease({ artifacts: artifacts(MAX_ARTIFACTS + 1) })] })),
    ).toEqual(["releases.0.artifacts"]);
    const releases = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        sampleRelease({ version: `1.0.${i}`, artifacts: [], notes: undefined }),
      );
    expect(issuesOf(sampleIndex({ releases: releases(MAX_RELEASES) }))).toEqual([]);
    expect(issuesOf(sampleIndex({ releases: releases(MAX_RELEASES + 1) }))).toEqual(["releases"]);
    const long = sampleRelease({
      notes: "n".repeat(MAX_NOTES_LENGTH),
      artifacts: [sampleArtifact({ fileName: "f".repeat(MAX_FILE_NAME_LENGTH) })],
    });
    expect(issuesOf(sampleIndex({ product: "p".repeat(128), releases: [long] }))).toEqual([]);
    // The largest index signs (the payload cap of every document is 2 MiB).
    expect(
      codeOf(() => sealReleaseIndex(sampleIndex({ releases: releases(MAX_RELEASES) }), releaseSigner)),
    ).toBe("ok");
  });
});
