// Signed documents: a payload, canonicalized (RFC 8785), optionally encrypted, signed with Ed25519
// over a domain-separated message, wrapped in a versioned JSON envelope and armored. License files
// are one purpose; activation files, fleet leases, status answers and offline requests are others.
//
// Signed message = ASCII "<purpose>/v<version>." ‖ payload bytes, so a signature made for one
// purpose never verifies as another. The envelope carries the payload as base64 of the exact signed
// bytes: verification never re-serializes anything.
import { fromBase64, prefixedFromBase64, prefixedUtf8, toBase64, utf8 } from "#codec";
import { ed25519 as platformEd25519 } from "#ed25519";
import { armor, armorLabel, dearmor } from "./armor.ts";
import { fromUtf8 } from "./bytes.ts";
import { canonicalize } from "./canonical-json.ts";
import type { Ed25519 } from "./ed25519.ts";
import { decryptPayload, ENCRYPTION_SCHEME, encryptPayload, type RandomBytes } from "./encryption.ts";
import { clip, ModelError } from "./errors.ts";
import { checkKeyId, findKey, KEY_ID_PATTERN, type KeySet, type Signer } from "./key-set.ts";
import { parseLicenseKey } from "./license-key.ts";

/** Envelope format version; also the `v2` of the signature's domain-separation prefix. */
export const ENVELOPE_VERSION = 2;
export const SIGNATURE_ALGORITHM = "Ed25519";
/** Armored documents longer than this (in characters) are refused before any decoding. */
export const MAX_ARMORED_LENGTH = 4 * 1024 * 1024;
/** Largest payload (canonical JSON bytes, before encryption) a document may carry. */
export const MAX_PAYLOAD_BYTES = 2 * 1024 * 1024;
/** Purposes are lower-case words joined by dashes: `license-file`, `lease`, `activation-request`. */
export const PURPOSE_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

export type SealOptions = {
  purpose: string;
  /** Any JSON value; canonicalized before signing. */
  payload: unknown;
  signer: Signer;
  /** A license key: encrypt the payload so only its holder can read it. */
  encryptWith?: string;
  /** Only for deterministic test vectors. */
  randomBytes?: RandomBytes;
};

export type OpenOptions = {
  purpose: string;
  keys: KeySet;
  /** The license key, needed when the document is encrypted. */
  decryptWith?: string;
  /** Verification implementation; the platform's fastest by default. */
  ed25519?: Ed25519;
};

/** A verified document. */
export type OpenedDocument = {
  purpose: string;
  keyId: string;
  /** The payload parsed from JSON. Not validated: that is the caller's schema's job. */
  payload: unknown;
  encrypted: boolean;
};

/** Signs `payload` for `purpose` and returns the armored document. */
export function sealDocument(options: SealOptions): string {
  const { purpose, signer } = options;
  checkPurpose(purpose);
  if (typeof signer !== "object" || signer === null || typeof signer.sign !== "function") {
    throw new ModelError("invalid_argument", "signer must be { keyId, sign(message) }.");
  }
  checkKeyId(signer.keyId);
  // The signed message is built in one piece, the payload being its tail.
  const prefix = signedPrefix(purpose);
  let message = prefixedUtf8(prefix, canonicalize(options.payload));
  let payload = message.subarray(prefix.length);
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new ModelError(
      "too_large",
      `The payload is ${payload.length} bytes; the limit is ${MAX_PAYLOAD_BYTES}.`,
    );
  }
  const encrypted = options.encryptWith !== undefined;
  if (encrypted) {
    const key = parseLicenseKey(options.encryptWith!);
    payload = encryptPayload(payload, key, purpose, ENVELOPE_VERSION, options.randomBytes);
    message = signedMessage(purpose, payload);
  }
  const signature = signer.sign(message);
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw new ModelError("invalid_argument", "signer.sign must return a 64-byte Ed25519 signature.");
  }
  // The envelope's RFC 8785 canonical form, written out directly: members in code-unit order, and
  // every value is a number or a string that needs no escaping (base64, a checked purpose and key
  // id). A test checks this against canonicalize(); it spares a JSON scan of the whole payload.
  const enc = encrypted ? `"enc":"${ENCRYPTION_SCHEME}",` : "";
  const envelope =
    `{"alg":"${SIGNATURE_ALGORITHM}",${enc}"keyId":"${signer.keyId}","payload":"${toBase64(payload)}",` +
    `"purpose":"${purpose}","signature":"${toBase64(signature)}","version":${ENVELOPE_VERSION}}`;
  return armor(armorLabel(purpose), envelope);
}

/**
 * Verifies an armored document and returns its payload. Checks, in order: size, armor, envelope
 * version and algorithm, purpose, key id, signature, then decrypts. Throws ModelError on any failure.
 */
export function openDocument(text: string, options: OpenOptions): OpenedDocument {
  const { purpose } = options;
  checkPurpose(purpose);
  if (typeof text !== "string") throw new ModelError("malformed_armor", "A signed document must be text.");
  if (text.length > MAX_ARMORED_LENGTH) {
    throw new ModelError(
      "too_large",
      `The document is ${text.length} characters; the limit is ${MAX_ARMORED_LENGTH}. It is not a file this system issued.`,
    );
  }
  const expectedLabel = armorLabel(purpose);
  const { label, bytes } = dearmor(text);
  if (label !== expectedLabel) {
    throw new ModelError("wrong_purpose", `Expected a ${expectedLabel} but this is a ${clip(label)}.`);
  }
  const envelope = parseEnvelope(bytes, purpose);
  const publicKey = findKey(options.keys, envelope.keyId);
  const ed25519 = options.ed25519 ?? platformEd25519;
  if (!ed25519.verify(publicKey, envelope.message, envelope.signature)) {
    throw new ModelError(
      "bad_signature",
      `The signature does not match the content: the ${expectedLabel.toLowerCase()} was modified after signing, or was not signed with key "${envelope.keyId}".`,
    );
  }
  let payloadBytes = envelope.payload;
  if (envelope.encrypted) {
    if (options.decryptWith === undefined) {
      throw new ModelError(
        "key_required",
        `This ${expectedLabel.toLowerCase()} is encrypted: the license key is needed to read it.`,
      );
    }
    payloadBytes = decryptPayload(
      payloadBytes,
      parseLicenseKey(options.decryptWith),
      purpose,
      ENVELOPE_VERSION,
    );
  }
  const json = fromUtf8(payloadBytes);
  let payload: unknown;
  try {
    if (json === undefined) throw new Error("not UTF-8");
    payload = JSON.parse(json);
  } catch {
    throw new ModelError(
      "invalid_payload",
      "The signed payload is not UTF-8 JSON; it was produced by a faulty signer.",
    );
  }
  return { purpose, keyId: envelope.keyId, payload, encrypted: envelope.encrypted };
}

type Envelope = {
  keyId: string;
  /** The signed message: the domain-separation prefix, then the payload. */
  message: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
  encrypted: boolean;
};
const FIELDS = new Set(["version", "alg", "enc", "keyId", "purpose", "payload", "signature"]);

function parseEnvelope(bytes: Uint8Array, purpose: string): Envelope {
  const json = fromUtf8(bytes);
  let raw: unknown;
  try {
    if (json === undefined) throw new Error("not UTF-8");
    raw = JSON.parse(json);
  } catch {
    throw malformed("its content is not UTF-8 JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw malformed("its content is not a JSON object");
  const e = raw as Record<string, unknown>;
  // The version comes first: a newer format may differ in every other field.
  if (!Number.isInteger(e.version)) throw malformed('"version" is missing or not a whole number');
  if (e.version !== ENVELOPE_VERSION) {
    throw new ModelError(
      "unsupported_version",
      `This document uses format version ${e.version}; this software reads version ${ENVELOPE_VERSION}. Update the software, or ask for a file in version ${ENVELOPE_VERSION}.`,
    );
  }
  for (const key of Object.keys(e)) if (!FIELDS.has(key)) throw malformed(`unknown field ${clip(key)}`);
  if (typeof e.alg !== "string") throw malformed('"alg" is missing');
  if (e.alg !== SIGNATURE_ALGORITHM) {
    throw new ModelError(
      "unsupported_algorithm",
      `The document is signed with ${clip(e.alg)}; only ${SIGNATURE_ALGORITHM} is supported.`,
    );
  }
  if (typeof e.purpose !== "string") throw malformed('"purpose" is missing');
  if (e.purpose !== purpose) {
    throw new ModelError(
      "wrong_purpose",
      `Expected a document for "${purpose}" but this one is for ${clip(e.purpose)}.`,
    );
  }
  if (typeof e.keyId !== "string" || !KEY_ID_PATTERN.test(e.keyId))
    throw malformed('"keyId" is missing or malformed');
  if (e.enc !== undefined && e.enc !== ENCRYPTION_SCHEME) {
    throw new ModelError(
      "unsupported_encryption",
      `The payload is encrypted with ${clip(e.enc)}; only ${ENCRYPTION_SCHEME} is supported.`,
    );
  }
  if (typeof e.payload !== "string") throw malformed('"payload" is missing');
  if (typeof e.signature !== "string") throw malformed('"signature" is missing');
  const prefix = signedPrefix(purpose);
  const message = prefixedFromBase64(prefix, e.payload);
  if (message === undefined) throw malformed('"payload" is not canonical base64');
  const payload = message.subarray(prefix.length);
  if (payload.length > MAX_PAYLOAD_BYTES + 64)
    throw new ModelError("too_large", "The payload exceeds the size limit.");
  const signature = fromBase64(e.signature);
  if (signature?.length !== 64) throw malformed('"signature" is not 64 bytes of canonical base64');
  return { keyId: e.keyId, message, payload, signature, encrypted: e.enc !== undefined };
}

const prefixes = new Map<string, Uint8Array>();

/** ASCII `<purpose>/v<version>.` followed by the payload bytes: what the signature covers. */
export function signedMessage(purpose: string, payload: Uint8Array): Uint8Array {
  const prefix = signedPrefix(purpose);
  const message = new Uint8Array(prefix.length + payload.length);
  message.set(prefix, 0);
  message.set(payload, prefix.length);
  return message;
}

/** The domain-separation prefix of `purpose`'s signed messages (purposes are few: cached). */
function signedPrefix(purpose: string): Uint8Array {
  let prefix = prefixes.get(purpose);
  if (prefix === undefined) {
    prefix = new Uint8Array(utf8(`${purpose}/v${ENVELOPE_VERSION}.`)); // kept: its own copy
    prefixes.set(purpose, prefix);
  }
  return prefix;
}

function checkPurpose(purpose: unknown): asserts purpose is string {
  if (typeof purpose !== "string" || purpose.length > 64 || !PURPOSE_PATTERN.test(purpose)) {
    throw new ModelError(
      "invalid_argument",
      `${clip(purpose)} is not a purpose (lower-case words joined by dashes).`,
    );
  }
}

function malformed(reason: string): ModelError {
  return new ModelError("malformed_envelope", `The document's envelope is malformed: ${reason}.`);
}
