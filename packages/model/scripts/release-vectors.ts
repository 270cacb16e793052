// The release index vectors (test/vectors/release-indexes.json), built by make-vectors.ts: signed
// indexes with the client's inputs (time, last index seen, expected product) and the answer a
// client must give, artifact streams against their signed size and digest, SemVer order, and
// upgrade choices. Deterministic, as every vector.
import { sha256 } from "@noble/hashes/sha2.js";
import { armor, dearmor } from "../src/armor.ts";
import { encodeBase64 as toBase64, toHex, utf8 } from "../src/bytes.ts";
import { nobleEd25519 } from "../src/ed25519-noble.ts";
import { sealDocument, signedMessage } from "../src/envelope.ts";
import { createSigner } from "../src/key-set.ts";
import { signLicense } from "../src/license-file.ts";
import { openReleaseIndex, RELEASE_INDEX_PURPOSE, sealReleaseIndex } from "../src/release-index.ts";
import type { ReleaseIndex } from "../src/release-index-schema.ts";
import { bestUpgrade } from "../src/upgrade.ts";
import { sampleLicense } from "../test/fixtures.ts";

const seed = (label: string) => sha256(utf8(`licensing vectors: ${label}`));
const keyOf = (keyId: string) => {
  const privateKey = seed(keyId);
  return { keyId, privateKey, publicKey: nobleEd25519.getPublicKey(privateKey) };
};
const release = keyOf("r2025-01");
const untrusted = keyOf("r2030-01");
const licenseKey = keyOf("k2025-01"); // the license-file key of license-files.json: never a release key
const signerFor = (k: ReturnType<typeof keyOf>) => createSigner(k.keyId, k.privateKey, nobleEd25519);

const bytesOf = (label: string, length: number) => {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 32)
    out.set(seed(`${label}/${i}`).subarray(0, Math.min(32, length - i)), i);
  return out;
};
const ARTIFACT = bytesOf("artifact", 1000);

function sampleIndex(overrides: Partial<ReleaseIndex> = {}): ReleaseIndex {
  const artifact = (platform: string, arch: string, fileType: string, fileName: string) => ({
    arch,
    fileName,
    fileType,
    platform,
    sha256: toHex(sha256(ARTIFACT)),
    size: ARTIFACT.length,
  });
  return {
    channel: "stable",
    expiresAt: "2026-03-02T00:00:00Z",
    indexVersion: 7,
    issuedAt: "2026-03-01T00:00:00Z",
    product: "collector",
    releases: [
      {
        artifacts: [artifact("windows", "x64", "msi", "collector-2.3.1-win-x64.msi")],
        publishedAt: "2026-01-10T10:00:00Z",
        version: "2.3.1",
        yanked: true,
      },
      {
        artifacts: [
          artifact("windows", "x64", "msi", "collector-2.4.0-win-x64.msi"),
          artifact("linux", "x64", "tar.gz", "collector-2.4.0-linux-x64.tar.gz"),
        ],
        minUpgradableFrom: "2.0.0",
        notes: "Faster scans.\nFixes the proxy setting.",
        publishedAt: "2026-02-20T10:00:00Z",
        version: "2.4.0",
        yanked: false,
      },
      {
        artifacts: [artifact("windows", "x64", "msi", "collector-3.0.0-beta.1-win-x64.msi")],
        maxUpgradableFrom: "2.4.0",
        minUpgradableFrom: "2.4.0",
        publishedAt: "2026-02-28T10:00:00Z",
        version: "3.0.0-beta.1",
        yanked: false,
      },
    ],
    ...overrides,
  };
}

export function buildReleaseVectors(): unknown {
  const index = sampleIndex();
  const valid = sealReleaseIndex(index, signerFor(release));
  const keys = [{ keyId: release.keyId, publicKey: release.publicKey }];
  const now = "2026-03-01T12:00:00Z";
  const stateOf = (text: string) => openReleaseIndex(text, { keys, now: Date.parse(now) }).state;
  const seen = stateOf(valid);
  const newer = sealReleaseIndex(
    { ...index, indexVersion: 8, issuedAt: now, expiresAt: "2026-03-02T12:00:00Z" },
    signerFor(release),
  );
  // The same content signed again an hour later, as the server does to keep an index fresh.
  const refreshed = sealReleaseIndex(
    { ...index, issuedAt: "2026-03-01T01:00:00Z", expiresAt: "2026-03-02T01:00:00Z" },
    signerFor(release),
  );
  const license = signLicense(sampleLicense({ keyId: licenseKey.keyId }), signerFor(licenseKey));
  // Purposes keep documents apart even under one key: a license file signed with the release key
  // (which the issuer never does) still fails as an index.
  const licenseUnderReleaseKey = signLicense(sampleLicense({ keyId: release.keyId }), signerFor(release));
  const ok = (text: string, at = now) => ({
    valid: true,
    index: openReleaseIndex(text, { keys, now: Date.parse(at) }).index,
    state: stateOf(text),
  });
  const fail = (code: string) => ({ valid: false, code });
  const rewrap = (text: string, change: (e: Record<string, unknown>) => unknown, label = "RELEASE INDEX") => {
    const envelope = JSON.parse(new TextDecoder().decode(dearmor(text).bytes));
    return armor(label, utf8(JSON.stringify(change(envelope))));
  };
  const payloadOf = (text: string) =>
    new TextDecoder().decode(
      Uint8Array.from(atob(JSON.parse(new TextDecoder().decode(dearmor(text).bytes)).payload), (c) =>
        c.charCodeAt(0),
      ),
    );

  const cases = [
    { name: "valid", file: valid, now, expected: { ...ok(valid), payloadCanonical: payloadOf(valid) } },
    { name: "valid, the same index again", file: valid, now, lastSeen: seen, expected: ok(valid) },
    { name: "valid, newer than the last seen", file: newer, now, lastSeen: seen, expected: ok(newer) },
    {
      name: "valid, the version last seen signed again for freshness (new issuedAt and expiresAt)",
      file: refreshed,
      now,
      lastSeen: seen,
      expected: ok(refreshed),
    },
    {
      name: "valid, issued 5 minutes ahead of the clock (the allowed skew)",
      file: valid,
      now: "2026-02-28T23:55:00Z",
      expected: ok(valid, "2026-02-28T23:55:00Z"),
    },
    {
      name: "valid, the product and channel expected",
      file: valid,
      now,
      product: "collector",
      channel: "stable",
      expected: ok(valid),
    },
    {
      name: "rollback: older than the last seen",
      file: valid,
      now,
      lastSeen: stateOf(newer),
      expected: fail("index_rollback"),
    },
    {
      name: "conflict: other content under the version last seen",
      file: sealReleaseIndex({ ...index, releases: index.releases.slice(1) }, signerFor(release)),
      now,
      lastSeen: seen,
      expected: fail("index_conflict"),
    },
    {
      name: "expired (frozen): now is expiresAt",
      file: valid,
      now: index.expiresAt,
      expected: fail("index_expired"),
    },
    {
      name: "issued in the future beyond the 5 minutes' skew",
      file: valid,
      now: "2026-02-28T23:54:59.999Z",
      expected: fail("index_not_yet_valid"),
    },
    {
      name: "another product's index",
      file: valid,
      now,
      product: "cockpit",
      expected: fail("index_scope_mismatch"),
    },
    {
      name: "another channel's index than the last seen",
      file: valid,
      now,
      lastSeen: { ...seen, channel: "beta", indexVersion: 1 },
      expected: fail("index_scope_mismatch"),
    },
    {
      name: "tampered payload (a size changed)",
      file: rewrap(valid, (e) => ({
        ...e,
        payload: toBase64(utf8(payloadOf(valid).replace('"size":1000', '"size":1001'))),
      })),
      now,
      expected: fail("bad_signature"),
    },
    { name: "a license file, not a release index", file: license, now, expected: fail("wrong_purpose") },
    {
      name: "a license file signed with the release key, relabelled as a release index",
      file: rewrap(licenseUnderReleaseKey, (e) => ({ ...e, purpose: RELEASE_INDEX_PURPOSE })),
      now,
      expected: fail("bad_signature"),
    },
    {
      name: "signed with the license-file key k2025-01 (not a release key)",
      file: sealReleaseIndex(index, signerFor(licenseKey)),
      now,
      expected: fail("unknown_key"),
    },
    {
      name: "signed with an untrusted key",
      file: sealReleaseIndex(index, signerFor(untrusted)),
      now,
      expected: fail("unknown_key"),
    },
    {
      name: "authentic but not a valid index (an artifact of 0 bytes)",
      file: sealDocument({
        purpose: RELEASE_INDEX_PURPOSE,
        payload: {
          ...index,
          releases: [
            { ...index.releases[1]!, artifacts: [{ ...index.releases[1]!.artifacts[0]!, size: 0 }] },
          ],
        },
        signer: signerFor(release),
      }),
      now,
      expected: fail("invalid_payload"),
    },
    {
      name: "authentic but not a valid index (version with a leading v)",
      file: sealDocument({
        purpose: RELEASE_INDEX_PURPOSE,
        payload: { ...index, releases: [{ ...index.releases[1]!, version: "v2.4.0" }] },
        signer: signerFor(release),
      }),
      now,
      expected: fail("invalid_payload"),
    },
  ];

  const altered = ARTIFACT.slice();
  altered[500]! ^= 1;
  const artifactCases = [
    { name: "exact", bytes: ARTIFACT, expected: "ok" },
    { name: "one byte altered", bytes: altered, expected: "artifact_hash_mismatch" },
    { name: "truncated by one byte", bytes: ARTIFACT.subarray(0, 999), expected: "artifact_size_mismatch" },
    { name: "one byte too many", bytes: Uint8Array.of(...ARTIFACT, 0), expected: "artifact_size_mismatch" },
  ].map((c) => ({ name: c.name, bytesHex: toHex(c.bytes), expected: c.expected }));

  const upgradeCases = [
    { currentVersion: "2.3.1", platform: "windows", arch: "x64" },
    { currentVersion: "2.4.0", platform: "windows", arch: "x64" },
    { currentVersion: "2.4.0", platform: "linux", arch: "x64" },
    { currentVersion: "2.4.1", platform: "windows", arch: "x64" },
    { currentVersion: "1.9.0", platform: "windows", arch: "x64" },
    { currentVersion: "3.0.0", platform: "windows", arch: "x64" },
    { currentVersion: "2.3.1", platform: "macos", arch: "arm64" },
    { currentVersion: "2.3.1", platform: "linux", arch: "x64", fileType: "msi" },
  ].map((query) => {
    const answer = bestUpgrade(index, query);
    return {
      query,
      expected: answer.upgrade
        ? {
            upgrade: true,
            version: answer.release.version,
            fileName: answer.artifact.fileName,
            currentYanked: answer.currentYanked,
          }
        : { upgrade: false, reason: answer.reason, currentYanked: answer.currentYanked },
    };
  });

  return {
    description:
      "Release indexes and the answer a client must give (docs/license-file-format.md, Release index). Trust only r2025-01 for release indexes.",
    keys: [release, untrusted, licenseKey].map((k) => ({
      keyId: k.keyId,
      trustedForReleaseIndexes: k === release,
      privateKeySeedHex: toHex(k.privateKey),
      publicKeyHex: toHex(k.publicKey),
    })),
    signedMessagePrefix: toHex(signedMessage(RELEASE_INDEX_PURPOSE, new Uint8Array())),
    cases,
    artifacts: { size: ARTIFACT.length, sha256: toHex(sha256(ARTIFACT)), cases: artifactCases },
    semver: {
      ascending: [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
        "2.0.0",
        "18446744073709551616.0.0",
      ],
      equal: [["1.0.0+build.1", "1.0.0+build.2"]],
      invalid: ["v1.0.0", "1.0", "01.0.0", "1.0.0-01", "1.0.0-", "1.0.0+", " 1.0.0", "1.0.0-a..b"],
    },
    upgrades: { index: 'the payload of case "valid"', cases: upgradeCases },
  };
}
