// Reading what a signed document claims before choosing the key to check it with. A delegation
// request is signed by the key its own payload names, and a delegated lease by the key of the
// certificate its payload names: the claim picks the key, then the document is opened for real.
import type { PublicKey } from "@licensing/contracts";
import {
  type Ed25519,
  isModelError,
  type KeySet,
  nobleEd25519,
  openDocument,
  type ValidationIssue,
} from "@licensing/model";

const anyKey = new Uint8Array(32);
/** A key set that has every id: only for peeking, with a verifier that checks nothing. */
class EveryKey extends Map<string, Uint8Array> {
  override get(): Uint8Array {
    return anyKey;
  }
}
const unchecked: Ed25519 = { ...nobleEd25519, name: "noble", verify: () => true };

/**
 * The payload a document of `purpose` carries and the key id it names, NOT verified: never trust it
 * beyond choosing which key to verify with. Throws the model's errors for malformed documents.
 */
export function peekDocument(text: string, purpose: string): { keyId: string; payload: unknown } {
  const opened = openDocument(text, { purpose, keys: new EveryKey(), ed25519: unchecked });
  return { keyId: opened.keyId, payload: opened.payload };
}

/** The vendor's license-role public keys (those a certificate is signed with), as a key set. */
export function licenseKeySet(keys: readonly PublicKey[]): KeySet {
  return keys
    .filter((key) => key.role === "license")
    .map((key) => ({ keyId: key.keyId, publicKey: new Uint8Array(Buffer.from(key.publicKey, "base64")) }));
}

/** A model error's message and issues as field issues under `field`; rethrows anything else. */
export function modelIssues(error: unknown, field: string): { path: string; message: string }[] {
  if (!isModelError(error)) throw error;
  const issues: readonly ValidationIssue[] = error.issues;
  if (issues.length === 0) return [{ path: field, message: `${error.message} (${error.code})` }];
  return issues.map((issue) => ({
    path: [field, ...(issue.path === "" ? [] : [issue.path])].join("."),
    message: issue.message,
  }));
}
