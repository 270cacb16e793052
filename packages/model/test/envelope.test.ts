import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { armor, dearmor } from "../src/armor.ts";
import { canonicalize } from "../src/canonical-json.ts";
import { fromBase64, toBase64 } from "../src/codec-node.ts";
import { nobleEd25519 } from "../src/ed25519-noble.ts";
import {
  MAX_ARMORED_LENGTH,
  MAX_PAYLOAD_BYTES,
  openDocument,
  sealDocument,
  signedMessage,
} from "../src/envelope.ts";
import { isModelError, type ModelErrorCode } from "../src/errors.ts";
import { createSigner } from "../src/key-set.ts";
import { generateLicenseKey } from "../src/license-key.ts";
import { KEY_ID, KEYS, OTHER_PRIVATE_KEY, OTHER_PUBLIC_KEY, PUBLIC_KEY, signer } from "./fixtures.ts";
import { codeOf, rewrap } from "./helpers.ts";

const purpose = "lease";
const payload = { lease: "lse_1", seats: 3, note: "Grüße 😀" };
const seal = (extra: Partial<Parameters<typeof sealDocument>[0]> = {}) =>
  sealDocument({ purpose, payload, signer, ...extra });

describe("sealDocument / openDocument", () => {
  it("round-trips any JSON payload", () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.constantFrom("lease", "status-answer", "activation-request"),
        (value, p) => {
          const opened = openDocument(sealDocument({ purpose: p, payload: value, signer }), {
            purpose: p,
            keys: KEYS,
          });
          expect(canonicalize(opened.payload)).toBe(canonicalize(value));
          expect(opened).toMatchObject({ purpose: p, keyId: KEY_ID, encrypted: false });
        },
      ),
      { numRuns: 100 },
    );
  });

  it("writes the documented layout", () => {
    const text = seal();
    const lines = text.split("\n");
    expect(lines[0]).toBe("-----BEGIN LEASE-----");
    expect(lines.at(-2)).toBe("-----END LEASE-----");
    expect(lines.at(-1)).toBe("");
    for (const line of lines.slice(1, -3)) expect(line).toHaveLength(64);
    const { bytes } = dearmor(text);
    const json = new TextDecoder().decode(bytes);
    const envelope = JSON.parse(json);
    expect(json).toBe(canonicalize(envelope)); // the envelope is itself canonical JSON
    expect(Object.keys(envelope)).toEqual(["alg", "keyId", "payload", "purpose", "signature", "version"]);
    expect(envelope).toMatchObject({ alg: "Ed25519", keyId: KEY_ID, purpose, version: 2 });
    const payloadBytes = fromBase64(envelope.payload)!;
    expect(new TextDecoder().decode(payloadBytes)).toBe(canonicalize(payload));
    const message = signedMessage(purpose, payloadBytes);
    expect(new TextDecoder().decode(message.subarray(0, 9))).toBe("lease/v2.");
    expect(nobleEd25519.verify(PUBLIC_KEY, message, fromBase64(envelope.signature)!)).toBe(true);
  });

  it("tolerates CRLF, indentation, blank lines and surrounding whitespace", () => {
    const text = seal();
    const variants = [
      text.replaceAll("\n", "\r\n"),
      `\n\n  ${text.trimEnd()}`,
      text
        .split("\n")
        .map((l) => `  ${l}\t`)
        .join("\n"),
      text.replace("\n", "\n\n").trimEnd(),
    ];
    for (const variant of variants)
      expect(openDocument(variant, { purpose, keys: KEYS }).payload).toEqual(payload);
  });

  it("separates purposes: the armor, the envelope and the signature all say what a document is for", () => {
    const text = seal();
    expect(codeOf(() => openDocument(text, { purpose: "license-file", keys: KEYS }))).toBe("wrong_purpose");
    const relabelled = rewrap(text, (e) => ({ ...e, purpose: "license-file" }), "LICENSE FILE");
    expect(codeOf(() => openDocument(relabelled, { purpose: "license-file", keys: KEYS }))).toBe(
      "bad_signature",
    );
    const inconsistent = rewrap(text, (e) => ({ ...e, purpose: "license-file" }));
    expect(codeOf(() => openDocument(inconsistent, { purpose, keys: KEYS }))).toBe("wrong_purpose");
  });

  it("picks the key by id from a list or a Map, and names unknown keys", () => {
    const other = createSigner("k2026-01", OTHER_PRIVATE_KEY);
    const text = seal({ signer: other });
    const both = new Map([
      [KEY_ID, PUBLIC_KEY],
      ["k2026-01", OTHER_PUBLIC_KEY],
    ]);
    expect(openDocument(text, { purpose, keys: both }).keyId).toBe("k2026-01");
    expect(
      openDocument(text, { purpose, keys: [...KEYS, { keyId: "k2026-01", publicKey: OTHER_PUBLIC_KEY }] })
        .keyId,
    ).toBe("k2026-01");
    try {
      openDocument(text, { purpose, keys: KEYS });
      expect.unreachable();
    } catch (error) {
      expect(isModelError(error, "unknown_key")).toBe(true);
      expect((error as Error).message).toContain('"k2026-01"');
      expect((error as Error).message).toContain(KEY_ID);
    }
    const swapped = [{ keyId: "k2026-01", publicKey: PUBLIC_KEY }];
    expect(codeOf(() => openDocument(text, { purpose, keys: swapped }))).toBe("bad_signature");
  });

  it("rejects unknown versions, algorithms and fields instead of guessing", () => {
    const text = seal();
    const cases: [Record<string, unknown> | ((e: Record<string, unknown>) => unknown), ModelErrorCode][] = [
      [{ version: 3 }, "unsupported_version"],
      [{ version: 1, alg: "RSA" }, "unsupported_version"],
      [{ version: "2" }, "malformed_envelope"],
      [{ alg: "EdDSA" }, "unsupported_algorithm"],
      [{ enc: "ChaCha20" }, "unsupported_encryption"],
      [{ comment: "hi" }, "malformed_envelope"],
      [{ keyId: "" }, "malformed_envelope"],
      [{ payload: "not base64!" }, "malformed_envelope"],
      [{ signature: toBase64(new Uint8Array(63)) }, "malformed_envelope"],
      [{ signature: 5 }, "malformed_envelope"],
      [(e) => ({ ...e, purpose: undefined }), "malformed_envelope"],
      [() => [1, 2], "malformed_envelope"],
      [() => "text", "malformed_envelope"],
    ];
    for (const [change, code] of cases) {
      const mutated = rewrap(text, (e) => (typeof change === "function" ? change(e) : { ...e, ...change }));
      expect([JSON.stringify(change), codeOf(() => openDocument(mutated, { purpose, keys: KEYS }))]).toEqual([
        JSON.stringify(change),
        code,
      ]);
    }
    const notJson = armor("LEASE", new TextEncoder().encode("{not json"));
    expect(codeOf(() => openDocument(notJson, { purpose, keys: KEYS }))).toBe("malformed_envelope");
    const notUtf8 = armor("LEASE", new Uint8Array([0x7b, 0xff, 0x7d]));
    expect(codeOf(() => openDocument(notUtf8, { purpose, keys: KEYS }))).toBe("malformed_envelope");
  });

  it("rejects malformed armor", () => {
    const text = seal();
    const cases = [
      "",
      "hello",
      text.replace("-----END LEASE-----", ""),
      text.replace("-----END LEASE-----", "-----END LICENSE FILE-----"),
      text.replace("BEGIN LEASE", "BEGIN lease"),
      text.replace("-----BEGIN", "----BEGIN"),
      `Dear customer,\n${text}`,
      text.replace(/\n[A-Za-z0-9+/]/, "\n*"),
      text.replace(/([A-Za-z0-9+/=]{4})\n-----END/, "$1$1\n-----END").replace(/=+/, ""),
    ];
    for (const bad of cases)
      expect(codeOf(() => openDocument(bad, { purpose, keys: KEYS }))).toBe("malformed_armor");
    expect(codeOf(() => openDocument(42 as unknown as string, { purpose, keys: KEYS }))).toBe(
      "malformed_armor",
    );
  });

  it("enforces the size limits before decoding", () => {
    const huge = `-----BEGIN LEASE-----\n${"A".repeat(MAX_ARMORED_LENGTH)}\n-----END LEASE-----\n`;
    expect(codeOf(() => openDocument(huge, { purpose, keys: KEYS }))).toBe("too_large");
    expect(codeOf(() => seal({ payload: { blob: "x".repeat(MAX_PAYLOAD_BYTES) } }))).toBe("too_large");
  });

  it("carries a payload of 1 MiB and more", () => {
    const big = { blob: "é".repeat(600_000) }; // 1.2 MB of UTF-8
    const text = seal({ payload: big });
    expect(text.length).toBeLessThan(MAX_ARMORED_LENGTH);
    expect(openDocument(text, { purpose, keys: KEYS }).payload).toEqual(big);
  });

  it("encrypts for the holder of a license key, and still verifies without it", () => {
    const key = generateLicenseKey();
    const text = seal({ encryptWith: key });
    expect(text).not.toContain(toBase64(new TextEncoder().encode(canonicalize(payload))).slice(0, 20));
    const opened = openDocument(text, { purpose, keys: KEYS, decryptWith: key.toLowerCase() });
    expect(opened).toMatchObject({ payload, encrypted: true });
    expect(codeOf(() => openDocument(text, { purpose, keys: KEYS }))).toBe("key_required");
    expect(codeOf(() => openDocument(text, { purpose, keys: KEYS, decryptWith: generateLicenseKey() }))).toBe(
      "decryption_failed",
    );
    expect(codeOf(() => openDocument(text, { purpose, keys: KEYS, decryptWith: "LK-1234" }))).toBe(
      "malformed_key",
    );
    // Signature first: a tampered encrypted file is a bad signature, key or no key.
    const tampered = rewrap(text, (e) => ({
      ...e,
      payload: toBase64(flipFirstByte(fromBase64(e.payload as string)!)),
    }));
    expect(codeOf(() => openDocument(tampered, { purpose, keys: KEYS }))).toBe("bad_signature");
    // Dropping the marker makes the ciphertext read as plaintext, which is not JSON.
    const stripped = rewrap(text, (e) => ({ ...e, enc: undefined }));
    expect(codeOf(() => openDocument(stripped, { purpose, keys: KEYS }))).toBe("invalid_payload");
    expect(seal({ encryptWith: key })).not.toBe(text); // fresh salt and nonce each time
  });

  it("binds the encryption to the purpose", () => {
    const key = generateLicenseKey();
    const lease = seal({ encryptWith: key });
    const asStatus = rewrap(lease, (e) => ({ ...e, purpose: "status-answer" }), "STATUS ANSWER");
    // Even with a valid signature for the other purpose, the GCM associated data would not match.
    const { bytes } = dearmor(asStatus);
    const envelope = JSON.parse(new TextDecoder().decode(bytes));
    const resigned = nobleEd25519.sign(
      OTHER_PRIVATE_KEY,
      signedMessage("status-answer", fromBase64(envelope.payload as string)!),
    );
    const forged = rewrap(asStatus, (e) => ({ ...e, signature: toBase64(resigned) }));
    const keys = [{ keyId: KEY_ID, publicKey: OTHER_PUBLIC_KEY }];
    expect(codeOf(() => openDocument(forged, { purpose: "status-answer", keys, decryptWith: key }))).toBe(
      "decryption_failed",
    );
  });

  it("checks its arguments", () => {
    expect(codeOf(() => seal({ purpose: "Lease File" }))).toBe("invalid_argument");
    expect(codeOf(() => seal({ signer: { keyId: "k 1", sign: signer.sign } }))).toBe("invalid_argument");
    expect(codeOf(() => seal({ signer: { keyId: "k1", sign: () => new Uint8Array(10) } }))).toBe(
      "invalid_argument",
    );
    expect(
      codeOf(() =>
        openDocument(seal(), { purpose, keys: [{ keyId: KEY_ID, publicKey: new Uint8Array(8) }] }),
      ),
    ).toBe("invalid_argument");
    expect(codeOf(() => createSigner(KEY_ID, new Uint8Array(31)))).toBe("invalid_argument");
  });
});

function flipFirstByte(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out[0]! ^= 1;
  return out;
}
