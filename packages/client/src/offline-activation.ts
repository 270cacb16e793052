import { type ActivationRequestPayload, documentPurposes } from "@licensing/contracts";
import { createSigner, ed25519, keyLookupHash, sealDocument } from "@licensing/model";
import { sha256Hex } from "./platform.ts";
import type { StateStore } from "./state.ts";

export const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
export const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** An Ed25519 key pair of this machine (base64), its private key never leaving the storage. */
export interface StoredKeyPair {
  privateKey: string;
  publicKey: string;
}

/**
 * The key pair kept under `name`, made on first use. Made inside the state's exclusive section, so
 * two processes starting together keep one key.
 */
export function storedKeyPair(state: StateStore, name: string): Promise<StoredKeyPair> {
  return state.update(async () => {
    let stored = await state.getDocument(name);
    if (!stored) {
      stored = JSON.stringify(newMachineKey());
      await state.setDocument(name, stored);
    }
    return JSON.parse(stored) as StoredKeyPair;
  });
}

/** A new Ed25519 key pair for the machine (base64). */
/** storedKeyPair, read once per process (a failed read is tried again next time). */
export function keyPairOnce(state: StateStore, name: string): () => Promise<StoredKeyPair> {
  let pair: Promise<StoredKeyPair> | undefined;
  return () => {
    pair ??= storedKeyPair(state, name).catch((error: unknown) => {
      pair = undefined;
      throw error;
    });
    return pair;
  };
}

export function newMachineKey(): StoredKeyPair {
  const { privateKey, publicKey } = ed25519.generateKeyPair();
  return { privateKey: toBase64(privateKey), publicKey: toBase64(publicKey) };
}

/** The key id of a machine key: `machine-` and 16 hex digits of SHA-256 of the public key. */
export async function machineKeyId(publicKey: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", publicKey as Uint8Array<ArrayBuffer>);
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return `machine-${hex.slice(0, 16)}`;
}

/** An `activation-request` document, signed with the machine's own key. */
export async function activationRequest(
  machineKey: StoredKeyPair,
  licenseKey: string,
  machine: { fingerprint: string; hostname: string; platform: string },
  now: Date,
): Promise<string> {
  const publicKey = fromBase64(machineKey.publicKey);
  const payload: ActivationRequestPayload = {
    // An LK- key or a migrated license's legacy GUID: the server accepts either.
    keyHash: keyLookupHash(licenseKey),
    fingerprint: machine.fingerprint,
    hostname: machine.hostname.slice(0, 255),
    platform: machine.platform.slice(0, 64),
    machinePublicKey: machineKey.publicKey,
    requestedAt: now.toISOString(),
    nonce: (await sha256Hex(`${crypto.randomUUID()}${now.getTime()}`)).slice(0, 32),
  };
  return sealDocument({
    purpose: documentPurposes.activationRequest,
    payload,
    signer: createSigner(await machineKeyId(publicKey), fromBase64(machineKey.privateKey)),
  });
}
