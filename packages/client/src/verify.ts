import {
  type FleetLeasePayload,
  fleetLeasePayload,
  type MachineActivationPayload,
  machineActivationPayload,
  type StatusPayload,
  statusPayload,
} from "@licensing/contracts";
import {
  type DelegatedLease,
  type Delegation,
  isModelError,
  type KeySet,
  type License,
  openDelegatedLease,
  openDelegation,
  openDocument,
  verifyLicenseFile,
} from "@licensing/model";
import type { z } from "zod";
import { LicenseError, reasonOfModelCode } from "./errors.ts";

/**
 * A public key to trust: its id, its raw 32-byte Ed25519 key (base64 or bytes) and, as GET /v1/keys
 * lists it, its role (`license` when absent, as keys pinned before roles existed).
 */
export interface TrustedKey {
  keyId: string;
  publicKey: string | Uint8Array;
  role?: "license" | "release";
}

/**
 * The keys of `role` among `keys`, by id. A key of another role is left out: a release key never
 * verifies a license file, whatever list a product pinned.
 */
export function keySetOf(
  keys: readonly TrustedKey[],
  role: "license" | "release" = "license",
): Map<string, Uint8Array> {
  const set = new Map<string, Uint8Array>();
  for (const { keyId, publicKey, role: keyRole = "license" } of keys) {
    if (keyRole !== role) continue;
    const bytes = typeof publicKey === "string" ? base64Bytes(publicKey) : publicKey;
    if (bytes.length !== 32) throw new Error(`The trusted key ${keyId} is not a 32-byte Ed25519 public key`);
    set.set(keyId, bytes);
  }
  return set;
}

function base64Bytes(text: string): Uint8Array {
  const normal = text.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(normal.padEnd(Math.ceil(normal.length / 4) * 4, "="));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function refusal(error: unknown, what: string): never {
  if (isModelError(error))
    throw new LicenseError(reasonOfModelCode(error.code), `${what}: ${error.message}`, { cause: error });
  throw error;
}

/** Verifies a license file offline against the pinned keys. */
export function verifyLicense(file: string, keys: KeySet, licenseKey?: string): License {
  try {
    return verifyLicenseFile(file, keys, licenseKey === undefined ? {} : { licenseKey });
  } catch (error) {
    refusal(error, "The license file is refused");
  }
}

function verifyDocument<S extends z.ZodType>(
  text: string,
  purpose: string,
  schema: S,
  keys: KeySet,
): z.output<S> {
  let payload: unknown;
  try {
    payload = openDocument(text, { purpose, keys }).payload;
  } catch (error) {
    refusal(error, `The ${purpose} document is refused`);
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success)
    throw new LicenseError("invalid_file", `The ${purpose} document's content is not valid`);
  return parsed.data;
}

export function verifyMachineFile(text: string, keys: KeySet): MachineActivationPayload {
  return verifyDocument(text, "machine-activation", machineActivationPayload, keys);
}

export function verifyLease(text: string, keys: KeySet): FleetLeasePayload {
  return verifyDocument(text, "fleet-lease", fleetLeasePayload, keys);
}

export function verifyStatus(text: string, keys: KeySet): StatusPayload {
  return verifyDocument(text, "status", statusPayload, keys);
}

/** Verifies a delegation certificate (the vendor's license keys, its time, the revoked keys known). */
export function verifyDelegation(
  text: string,
  keys: KeySet,
  now: Date,
  revoked: readonly string[],
): Delegation {
  try {
    return openDelegation(text, { keys, now, revoked });
  } catch (error) {
    refusal(error, "The delegation certificate is refused");
  }
}

/** Verifies a delegated lease and its certificate, offline (scope is the caller's to check). */
export function verifyDelegatedLease(
  lease: string,
  certificate: string,
  keys: KeySet,
  now: Date,
  revoked: readonly string[],
): { certificate: Delegation; lease: DelegatedLease } {
  try {
    return openDelegatedLease(lease, certificate, { keys, now, revoked });
  } catch (error) {
    refusal(error, "The delegated lease is refused");
  }
}
