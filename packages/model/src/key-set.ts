// Keys as the envelope sees them: a Signer (the issuer keeps its private keys; this package only
// asks it to sign) and a KeySet of trusted public keys looked up by id, so keys can rotate: a new
// key signs while old ones still verify.
import { ed25519 as platformEd25519 } from "#ed25519";
import type { Ed25519 } from "./ed25519.ts";
import { clip, ModelError } from "./errors.ts";

/** Key ids: letters, digits and `._:-`, up to 64 characters, e.g. `k2025-01`. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Signs with a key the caller holds: the issuer never hands its private keys to this package. */
export type Signer = { keyId: string; sign(message: Uint8Array): Uint8Array };
/** A trusted public key and its id. */
export type PublicKeyEntry = { keyId: string; publicKey: Uint8Array };
/** Trusted public keys by id: a list of entries or a Map from key id to public key. */
export type KeySet = Iterable<PublicKeyEntry> | ReadonlyMap<string, Uint8Array>;

/** A Signer over a raw private key, for the issuer and for tests. */
export function createSigner(
  keyId: string,
  privateKey: Uint8Array,
  ed25519: Ed25519 = platformEd25519,
): Signer {
  checkKeyId(keyId);
  ed25519.getPublicKey(privateKey); // fails now, not at first signature, on a malformed key
  return { keyId, sign: (message) => ed25519.sign(privateKey, message) };
}

/** The trusted public key with id `keyId`. Throws ModelError `unknown_key`. */
export function findKey(keys: KeySet, keyId: string): Uint8Array {
  let found: unknown;
  const known: string[] = [];
  if (keys instanceof Map) {
    found = keys.get(keyId);
    if (found === undefined) known.push(...keys.keys());
  } else {
    for (const entry of keys as Iterable<PublicKeyEntry>) {
      if (entry.keyId === keyId) {
        found = entry.publicKey;
        break;
      }
      known.push(entry.keyId);
    }
  }
  if (found === undefined) {
    throw new ModelError(
      "unknown_key",
      `Signed with key "${keyId}", which is not among the trusted keys (${known.join(", ") || "none"}). Update the trusted public keys.`,
    );
  }
  if (!(found instanceof Uint8Array) || found.length !== 32) {
    throw new ModelError("invalid_argument", `The trusted public key "${keyId}" is not 32 bytes.`);
  }
  return found;
}

export function checkKeyId(keyId: unknown): asserts keyId is string {
  if (typeof keyId !== "string" || !KEY_ID_PATTERN.test(keyId)) {
    throw new ModelError(
      "invalid_argument",
      `${clip(keyId)} is not a key id (letters, digits and ._:-, at most 64).`,
    );
  }
}
