// Builds the interoperability test vectors in test/vectors/ (see docs/license-file-format.md).
// Deterministic: fixed keys, fixed dates, fixed "random" bytes, so running it again rewrites the
// same files, and test/vectors.test.ts checks they are up to date.
//
//   ./node_modules/.bin/node packages/model/scripts/make-vectors.ts
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { armor, dearmor } from "../src/armor.ts";
import { fromHex, encodeBase64 as toBase64, toHex, utf8 } from "../src/bytes.ts";
import { canonicalize } from "../src/canonical-json.ts";
import { nobleEd25519 } from "../src/ed25519-noble.ts";
import { deriveKey, NONCE_LENGTH, SALT_LENGTH } from "../src/encryption.ts";
import { sealDocument, signedMessage } from "../src/envelope.ts";
import { createSigner } from "../src/key-set.ts";
import { signLicense } from "../src/license-file.ts";
import { licenseKeyLookupHash, parseLicenseKey } from "../src/license-key.ts";
import { buildEdgeCases } from "../test/ed25519-edge-cases.ts";
import { sampleLicense } from "../test/fixtures.ts";
import { buildDelegationVectors } from "./delegation-vectors.ts";
import { buildReleaseVectors } from "./release-vectors.ts";

const seed = (label: string) => sha256(utf8(`licensing vectors: ${label}`));
const KEYS = ["k2025-01", "k2026-01", "k2030-01"].map((keyId) => {
  const privateKey = seed(keyId);
  return { keyId, privateKey, publicKey: nobleEd25519.getPublicKey(privateKey) };
});
const [current, rotated, untrusted] = KEYS as [(typeof KEYS)[0], (typeof KEYS)[0], (typeof KEYS)[0]];
const signerFor = (k: (typeof KEYS)[0]) => createSigner(k.keyId, k.privateKey, nobleEd25519);

/** Deterministic stand-in for the random salt and nonce: SHA-512 of a counter. */
function fixedRandom(label: string) {
  let counter = 0;
  return (length: number) => sha512(utf8(`${label}/${counter++}`)).slice(0, length);
}

/** A valid license key whose 29 data symbols come from `label` (the check symbol is searched). */
function fixedLicenseKey(label: string): string {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const data = [...seed(label).slice(0, 29)].map((b) => alphabet[b & 31]).join("");
  for (let n = 0; ; n++) {
    const body = n === 0 ? data : data.slice(0, -1) + alphabet[n % 32];
    for (const check of alphabet) {
      try {
        return parseLicenseKey(body + check);
      } catch {}
    }
  }
}

function rewrap(
  text: string,
  change: (envelope: Record<string, unknown>) => unknown,
  label = "LICENSE FILE",
) {
  const envelope = JSON.parse(new TextDecoder().decode(dearmor(text).bytes));
  return armor(label, utf8(JSON.stringify(change(envelope))));
}

/** The first armored text whose base64 ends in padding, with the lowest unused bit set. */
function withPaddingBitSet(texts: string[]): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (const text of texts) {
    const match = /([A-Za-z0-9+/])(=+)\n-----END/.exec(text);
    if (match === null) continue;
    const flipped = alphabet[alphabet.indexOf(match[1]!) ^ 1]!;
    return text.slice(0, match.index) + flipped + text.slice(match.index + 1);
  }
  throw new Error("no candidate ends in padding");
}

export function buildVectors(): Record<string, unknown> {
  const license = sampleLicense({ keyId: current.keyId });
  const licenseKey = fixedLicenseKey("license key");
  const valid = signLicense(license, signerFor(current));
  const encrypted = signLicense(license, signerFor(current), {
    encryptWith: licenseKey,
    randomBytes: fixedRandom("enc"),
  });
  const encryptedEnvelope = JSON.parse(new TextDecoder().decode(dearmor(encrypted).bytes));
  const sealed = Buffer.from(encryptedEnvelope.payload, "base64");
  const salt = sealed.subarray(0, SALT_LENGTH);
  const payloadCanonical = canonicalize(license);
  const lease = sealDocument({ purpose: "lease", payload: { lease: "lse_1" }, signer: signerFor(current) });
  const ok = (extra: Record<string, unknown> = {}) => ({ valid: true, license, ...extra });
  const fail = (code: string) => ({ valid: false, code });

  const cases = [
    { name: "valid", file: valid, expected: ok({ keyId: current.keyId, payloadCanonical }) },
    {
      name: "valid, signed with the rotated key k2026-01",
      file: signLicense({ ...license, keyId: rotated.keyId }, signerFor(rotated)),
      expected: { valid: true, license: { ...license, keyId: rotated.keyId } },
    },
    {
      name: "valid, CRLF line endings and indentation",
      file: valid.replaceAll("\n", "\r\n  "),
      expected: ok(),
    },
    {
      name: "encrypted, right license key",
      file: encrypted,
      licenseKey,
      expected: ok({
        saltHex: toHex(salt),
        nonceHex: toHex(sealed.subarray(SALT_LENGTH, SALT_LENGTH + NONCE_LENGTH)),
        hkdfInfo: "license-file/v2 A256GCM",
        aesKeyHex: toHex(deriveKey(licenseKey, salt, "license-file", 2)),
        aad: "license-file/v2.",
      }),
    },
    {
      name: "encrypted, key typed in lower case without dashes",
      file: encrypted,
      licenseKey: licenseKey.toLowerCase().replaceAll("-", ""),
      expected: ok(),
    },
    { name: "encrypted, no license key", file: encrypted, expected: fail("key_required") },
    {
      name: "encrypted, wrong license key",
      file: encrypted,
      licenseKey: fixedLicenseKey("other key"),
      expected: fail("decryption_failed"),
    },
    {
      name: "tampered payload",
      file: rewrap(valid, (e) => ({
        ...e,
        payload: toBase64(utf8(payloadCanonical.replace('"seats":25', '"seats":99'))),
      })),
      expected: fail("bad_signature"),
    },
    {
      name: "tampered signature",
      file: rewrap(valid, (e) => ({
        ...e,
        signature: toBase64(fromHex(`00${toHex(Buffer.from(e.signature as string, "base64")).slice(2)}`)),
      })),
      expected: fail("bad_signature"),
    },
    { name: "a lease, not a license file", file: lease, expected: fail("wrong_purpose") },
    {
      name: "a lease relabelled as a license file",
      file: rewrap(lease, (e) => ({ ...e, purpose: "license-file" })),
      expected: fail("bad_signature"),
    },
    {
      name: "signed with an untrusted key",
      file: signLicense({ ...license, keyId: untrusted.keyId }, signerFor(untrusted)),
      expected: fail("unknown_key"),
    },
    {
      name: "unsupported format version",
      file: rewrap(valid, (e) => ({ ...e, version: 3 })),
      expected: fail("unsupported_version"),
    },
    {
      name: "unsupported algorithm",
      file: rewrap(valid, (e) => ({ ...e, alg: "Ed448" })),
      expected: fail("unsupported_algorithm"),
    },
    {
      name: "unknown envelope field",
      file: rewrap(valid, (e) => ({ ...e, note: "hi" })),
      expected: fail("malformed_envelope"),
    },
    {
      name: "envelope is not JSON",
      file: armor("LICENSE FILE", utf8("{version:2}")),
      expected: fail("malformed_envelope"),
    },
    { name: "truncated (no END line)", file: valid.slice(0, 200), expected: fail("malformed_armor") },
    {
      name: "padding bits set in the armor's base64 (non-canonical)",
      file: withPaddingBitSet([valid, encrypted, signLicense({ ...license, serial: 2 }, signerFor(current))]),
      expected: fail("malformed_armor"),
    },
    {
      name: "authentic but not a valid license (end before start)",
      file: sealDocument({
        purpose: "license-file",
        payload: { ...license, endDate: "2020-01-01T00:00:00Z" },
        signer: signerFor(current),
      }),
      expected: fail("invalid_payload"),
    },
  ];

  const keyInputs = [
    licenseKey,
    licenseKey.toLowerCase(),
    licenseKey.slice(3).replaceAll("-", " "),
    licenseKey.replaceAll("1", "L").replaceAll("0", "O"),
  ];
  const typo = licenseKey.slice(0, 5) + (licenseKey[5] === "0" ? "1" : "0") + licenseKey.slice(6);
  const licenseKeys = [
    ...keyInputs.map((input) => ({
      input,
      normalized: licenseKey,
      lookupHash: licenseKeyLookupHash(licenseKey),
    })),
    { input: typo, error: "key_checksum_mismatch" },
    { input: `${licenseKey.slice(0, -1)}U`, error: "malformed_key" },
    { input: licenseKey.slice(0, -6), error: "malformed_key" },
  ];

  return {
    "license-files.json": {
      description:
        "License files and the result a verifier must give. Trust keys k2025-01 and k2026-01, not k2030-01.",
      keys: KEYS.map((k) => ({
        keyId: k.keyId,
        trusted: k !== untrusted,
        privateKeySeedHex: toHex(k.privateKey),
        publicKeyHex: toHex(k.publicKey),
        publicKeyBase64: toBase64(k.publicKey),
      })),
      signedMessagePrefix: toHex(signedMessage("license-file", new Uint8Array())),
      cases,
    },
    "release-indexes.json": buildReleaseVectors(),
    "fleet-delegation.json": buildDelegationVectors(),
    "license-keys.json": {
      description: "License key inputs, their normalized form and lookup hash, or the error.",
      cases: licenseKeys,
    },
    "ed25519.json": {
      description:
        "Ed25519 verification under the rules of docs/license-file-format.md: valid is the required answer.",
      cases: buildEdgeCases(),
    },
    "canonical-json.json": {
      description: "RFC 8785 inputs (JSON text) and their canonical form.",
      cases: [
        {
          input:
            '{"b":[1E30,4.50,2e-3,-0],"a":"\\u20ac\\u000f\\n\\"\\\\\\/","c":{"\\ud83d\\ude00":1,"\\u00f6":2,"1":3}}',
        },
        { input: JSON.stringify(license) },
      ].map(({ input }) => ({ input, canonical: canonicalize(JSON.parse(input)) })),
    },
  };
}

if (process.argv[1] === import.meta.filename) {
  const dir = join(import.meta.dirname, "../test/vectors");
  const written: string[] = [];
  for (const [name, content] of Object.entries(buildVectors())) {
    written.push(join(dir, name));
    writeFileSync(written.at(-1)!, `${JSON.stringify(content, null, 2)}\n`);
    console.log(`wrote test/vectors/${name}`);
  }
  // Format as the repository's formatter would, so regenerating leaves no diff behind.
  const biome = join(import.meta.dirname, "../../../node_modules/.bin/biome");
  spawnSync(biome, ["format", "--write", ...written], { stdio: "inherit" });
}
