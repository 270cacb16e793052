// Ed25519 on node:crypto (OpenSSL): the fast path on servers and in Node clients. Signatures are
// byte-identical to noble's (RFC 8032 signing is deterministic). OpenSSL's verify is cofactorless,
// checks S < L and compares R byte for byte, but accepts small-order and non-canonical public keys
// and small-order R; the shared pre-checks in ed25519.ts close those gaps so both paths accept
// exactly the same signatures.
//
// Raw 32-byte keys become KeyObjects through fixed DER prefixes (PKCS#8 / SPKI for id-Ed25519,
// OID 1.3.101.112). Building a KeyObject costs about as much as a verification, so they are cached.
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { concatBytes, equalBytes } from "./bytes.ts";
import { assertPrivateKey, type Ed25519, isAcceptablePublicKeyEncoding, passesPreChecks } from "./ed25519.ts";

const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 2, 1, 0, 0x30, 5, 6, 3, 0x2b, 0x65, 0x70, 4, 0x22, 4, 0x20,
]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 5, 6, 3, 0x2b, 0x65, 0x70, 3, 0x21, 0]);
const MAX_CACHED_KEYS = 1024;

type Cached<T> = { bytes: Uint8Array; value: T };
// Private keys are cached by object identity only (never as strings, so no copy of a secret lingers
// in a string table); the stored copy guards against the caller mutating the array afterwards.
const privateKeys = new WeakMap<Uint8Array, Cached<KeyObject>>();
// Public keys by identity first, then by content, since callers often decode the same key afresh.
const publicKeysByRef = new WeakMap<Uint8Array, Cached<KeyObject | null>>();
const publicKeysByContent = new Map<string, KeyObject | null>();

function privateKeyObject(privateKey: Uint8Array): KeyObject {
  const hit = privateKeys.get(privateKey);
  if (hit !== undefined && equalBytes(hit.bytes, privateKey)) return hit.value;
  const value = createPrivateKey({
    key: Buffer.from(concatBytes(PKCS8_PREFIX, privateKey)),
    format: "der",
    type: "pkcs8",
  });
  privateKeys.set(privateKey, { bytes: Uint8Array.from(privateKey), value });
  return value;
}

function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  const hit = publicKeysByRef.get(publicKey);
  if (hit !== undefined && equalBytes(hit.bytes, publicKey)) return hit.value;
  const id = String.fromCharCode.apply(null, publicKey as unknown as number[]);
  let value = publicKeysByContent.get(id);
  if (value === undefined) {
    value = null;
    if (isAcceptablePublicKeyEncoding(publicKey)) {
      try {
        const der = Buffer.from(concatBytes(SPKI_PREFIX, publicKey));
        value = createPublicKey({ key: der, format: "der", type: "spki" });
      } catch {
        value = null; // OpenSSL refused the key; verify would fail anyway
      }
    }
    if (publicKeysByContent.size >= MAX_CACHED_KEYS) publicKeysByContent.clear();
    publicKeysByContent.set(id, value);
  }
  publicKeysByRef.set(publicKey, { bytes: Uint8Array.from(publicKey), value });
  return value;
}

function asUint8Array(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Ed25519 on node:crypto, with the pre-checks that align it with nobleEd25519. Node only. */
export const nativeEd25519: Ed25519 = {
  name: "native",
  generateKeyPair() {
    const privateKey = crypto.getRandomValues(new Uint8Array(32));
    return { privateKey, publicKey: nativeEd25519.getPublicKey(privateKey) };
  },
  getPublicKey(privateKey) {
    assertPrivateKey(privateKey);
    const spki = createPublicKey(privateKeyObject(privateKey)).export({ format: "der", type: "spki" });
    return asUint8Array(spki).slice(SPKI_PREFIX.length);
  },
  sign(privateKey, message) {
    assertPrivateKey(privateKey);
    return asUint8Array(sign(null, message, privateKeyObject(privateKey)));
  },
  verify(publicKey, message, signature) {
    if (!passesPreChecks(publicKey, message, signature)) return false;
    const key = publicKeyObject(publicKey);
    if (key === null) return false;
    try {
      return verify(null, message, key, signature);
    } catch {
      return false;
    }
  },
};
