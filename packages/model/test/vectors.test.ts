// Re-checks every committed interoperability vector (test/vectors/*.json), and that the files are
// exactly what scripts/make-vectors.ts produces today.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildVectors } from "../scripts/make-vectors.ts";
import { createArtifactVerifier } from "../src/artifact.ts";
import { fromHex } from "../src/bytes.ts";
import { canonicalize } from "../src/canonical-json.ts";
import { nativeEd25519 } from "../src/ed25519-native.ts";
import { nobleEd25519 } from "../src/ed25519-noble.ts";
import { openDelegatedLease } from "../src/fleet-delegation.ts";
import { verifyLicenseFile } from "../src/license-file.ts";
import { licenseKeyLookupHash, parseLicenseKey } from "../src/license-key.ts";
import { openReleaseIndex, type ReleaseIndexState } from "../src/release-index.ts";
import type { ReleaseIndex } from "../src/release-index-schema.ts";
import { compareSemver, isSemver } from "../src/semver.ts";
import { bestUpgrade, type UpgradeQuery } from "../src/upgrade.ts";
import { GENESIS_HASH, openReceipt, type SignedReceipt } from "../src/usage-receipt.ts";
import { codeOf } from "./helpers.ts";

const dir = join(import.meta.dirname, "vectors");
const read = <T>(name: string): T => JSON.parse(readFileSync(join(dir, name), "utf8"));

type FileCase = {
  name: string;
  file: string;
  licenseKey?: string;
  expected: { valid: true; license: unknown } | { valid: false; code: string };
};
const files = read<{ keys: { keyId: string; trusted: boolean; publicKeyHex: string }[]; cases: FileCase[] }>(
  "license-files.json",
);
const trusted = files.keys
  .filter((k) => k.trusted)
  .map((k) => ({ keyId: k.keyId, publicKey: fromHex(k.publicKeyHex) }));

describe("interoperability vectors", () => {
  describe.each([nativeEd25519, nobleEd25519])("license files ($name)", (ed25519) => {
    it.each(files.cases)("$name", (c) => {
      const verify = () => verifyLicenseFile(c.file, trusted, { licenseKey: c.licenseKey, ed25519 });
      if (c.expected.valid) expect(verify()).toEqual(c.expected.license);
      else expect(codeOf(verify)).toBe(c.expected.code);
    });
  });

  describe("release indexes", () => {
    type IndexCase = {
      name: string;
      file: string;
      now: string;
      lastSeen?: ReleaseIndexState;
      product?: string;
      channel?: string;
      expected:
        | { valid: true; index: ReleaseIndex; state: ReleaseIndexState }
        | { valid: false; code: string };
    };
    const vectors = read<{
      keys: { keyId: string; trustedForReleaseIndexes: boolean; publicKeyHex: string }[];
      cases: IndexCase[];
      artifacts: {
        size: number;
        sha256: string;
        cases: { name: string; bytesHex: string; expected: string }[];
      };
      semver: { ascending: string[]; equal: [string, string][]; invalid: string[] };
      upgrades: { cases: { query: UpgradeQuery; expected: Record<string, unknown> }[] };
    }>("release-indexes.json");
    const releaseKeys = vectors.keys
      .filter((k) => k.trustedForReleaseIndexes)
      .map((k) => ({ keyId: k.keyId, publicKey: fromHex(k.publicKeyHex) }));

    describe.each([nativeEd25519, nobleEd25519])("$name", (ed25519) => {
      it.each(vectors.cases)("$name", (c) => {
        const open = () =>
          openReleaseIndex(c.file, {
            keys: releaseKeys,
            now: Date.parse(c.now),
            lastSeen: c.lastSeen,
            product: c.product,
            channel: c.channel,
            ed25519,
          });
        if (c.expected.valid) {
          const opened = open();
          expect(opened.index).toEqual(c.expected.index);
          expect(opened.state).toEqual(c.expected.state);
        } else expect(codeOf(open)).toBe(c.expected.code);
      });
    });

    it.each(vectors.artifacts.cases)("artifact: $name", (c) => {
      const bytes = fromHex(c.bytesHex);
      const check = () => {
        const verifier = createArtifactVerifier(vectors.artifacts);
        for (let i = 0; i < bytes.length; i += 64) verifier.update(bytes.subarray(i, i + 64));
        return verifier.finish();
      };
      expect(codeOf(check)).toBe(c.expected);
    });

    it("SemVer order", () => {
      const { ascending, equal, invalid } = vectors.semver;
      for (let i = 1; i < ascending.length; i++)
        expect(compareSemver(ascending[i - 1]!, ascending[i]!)).toBeLessThan(0);
      for (const [a, b] of equal) expect(compareSemver(a, b)).toBe(0);
      for (const v of invalid) expect([v, isSemver(v)]).toEqual([v, false]);
    });

    it.each(vectors.upgrades.cases)(
      "upgrade from $query.currentVersion on $query.platform/$query.arch",
      (c) => {
        const index = (vectors.cases[0]!.expected as { index: ReleaseIndex }).index;
        const answer = bestUpgrade(index, c.query);
        expect(
          answer.upgrade
            ? {
                upgrade: true,
                version: answer.release.version,
                fileName: answer.artifact.fileName,
                currentYanked: answer.currentYanked,
              }
            : { upgrade: false, reason: answer.reason, currentYanked: answer.currentYanked },
        ).toEqual(c.expected);
      },
    );
  });

  it.each(
    read<{
      cases: { name: string; publicKey: string; message: string; signature: string; valid: boolean }[];
    }>("ed25519.json").cases,
  )("Ed25519: $name", (c) => {
    for (const impl of [nativeEd25519, nobleEd25519]) {
      expect(impl.verify(fromHex(c.publicKey), fromHex(c.message), fromHex(c.signature))).toBe(c.valid);
    }
  });

  it.each(
    read<{ cases: { input: string; normalized?: string; lookupHash?: string; error?: string }[] }>(
      "license-keys.json",
    ).cases,
  )("license key $input", (c) => {
    if (c.error) expect(codeOf(() => parseLicenseKey(c.input))).toBe(c.error);
    else {
      expect(parseLicenseKey(c.input)).toBe(c.normalized);
      expect(licenseKeyLookupHash(c.input)).toBe(c.lookupHash);
    }
  });

  it.each(read<{ cases: { input: string; canonical: string }[] }>("canonical-json.json").cases)(
    "canonical JSON $#",
    (c) => {
      expect(canonicalize(JSON.parse(c.input))).toBe(c.canonical);
    },
  );

  describe("fleet delegation", () => {
    type DelegationCase = {
      name: string;
      lease: string;
      certificate: string;
      now: string;
      fingerprint: string;
      product: string;
      revoked?: string[];
      expected: { valid: true; certificate: unknown; lease: unknown } | { valid: false; code: string };
    };
    const vectors = read<{
      keys: { vendor: { keyId: string; publicKeyHex: string } };
      cases: DelegationCase[];
      receipts: {
        machineKeyHex: string;
        chain: { signed: SignedReceipt; receipt: unknown; hash: string }[];
        invalid: { name: string; signed: SignedReceipt; expected: string }[];
      };
    }>("fleet-delegation.json");
    const vendor = [
      { keyId: vectors.keys.vendor.keyId, publicKey: fromHex(vectors.keys.vendor.publicKeyHex) },
    ];
    const machineKey = fromHex(vectors.receipts.machineKeyHex);

    describe.each([nativeEd25519, nobleEd25519])("$name", (ed25519) => {
      it.each(vectors.cases)("$name", (c) => {
        const open = () =>
          openDelegatedLease(c.lease, c.certificate, {
            keys: vendor,
            now: Date.parse(c.now),
            fingerprint: c.fingerprint,
            product: c.product,
            ...(c.revoked ? { revoked: c.revoked } : {}),
            ed25519,
          });
        if (c.expected.valid) {
          const { certificate, lease } = open();
          expect({ certificate, lease }).toEqual({
            certificate: c.expected.certificate,
            lease: c.expected.lease,
          });
        } else expect(codeOf(open)).toBe(c.expected.code);
      });

      it("a receipt chain: each verifies, and names the one before by hash", () => {
        let prev = GENESIS_HASH;
        for (const [seq, link] of vectors.receipts.chain.entries()) {
          const opened = openReceipt(link.signed, machineKey, ed25519);
          expect(opened.receipt).toEqual(link.receipt);
          expect(opened.hash).toBe(link.hash);
          expect([opened.receipt.seq, opened.receipt.prev]).toEqual([seq, prev]);
          prev = opened.hash;
        }
      });

      it.each(vectors.receipts.invalid)("receipt: $name", (c) => {
        expect(codeOf(() => openReceipt(c.signed, machineKey, ed25519))).toBe(c.expected);
      });
    });
  });

  it("are exactly what scripts/make-vectors.ts generates", () => {
    for (const [name, content] of Object.entries(buildVectors())) {
      expect(JSON.parse(JSON.stringify(content)), name).toEqual(read(name));
    }
  });
});
