import { createHash } from "node:crypto";
import {
  type ActivationRequestPayload,
  AppError,
  activationRequestPayload,
  documentPurposes,
  toFieldIssues,
} from "@licensing/contracts";
import { isModelError, openDocument } from "@licensing/model";

/** The key id a machine signs its requests with: `machine-` and 16 hex digits of SHA-256(public key). */
export function machineKeyId(publicKey: Uint8Array): string {
  return `machine-${createHash("sha256").update(publicKey).digest("hex").slice(0, 16)}`;
}

/**
 * Reads an offline activation request: an `activation-request` document the machine signed with its
 * own Ed25519 key, whose public key travels in the payload. The payload is read once unverified to
 * learn that key, then the whole document is verified with it (so it was not altered and its maker
 * holds the private key), and the envelope's key id must be that key's; it must name one of the
 * license's key hashes. Every failure is a 400.
 */
export function readActivationRequest(
  armored: string,
  keyHashes: readonly string[],
  now: Date,
): ActivationRequestPayload {
  const claimed = peekPayload(armored);
  const parsed = activationRequestPayload.safeParse(claimed);
  if (!parsed.success) throw AppError.validation(toFieldIssues(parsed.error), "activation request");
  const request = parsed.data;
  const publicKey = new Uint8Array(Buffer.from(request.machinePublicKey, "base64"));
  try {
    openDocument(armored, {
      purpose: documentPurposes.activationRequest,
      keys: [{ keyId: machineKeyId(publicKey), publicKey }],
    });
  } catch (error) {
    if (isModelError(error)) {
      throw AppError.validation(
        [{ path: "request", message: `${error.code}: ${error.message}` }],
        "activation request",
      );
    }
    throw error;
  }
  // Made with the license's LK- key or, for a migrated license, its legacy GUID.
  if (!keyHashes.includes(request.keyHash)) {
    throw AppError.validation(
      [{ path: "request", message: "was made for another license key" }],
      "activation request",
    );
  }
  // A request is made to be carried to a connected computer, not kept for ever.
  const age = now.getTime() - Date.parse(request.requestedAt);
  if (age > 30 * 86_400_000 || age < -86_400_000) {
    throw AppError.validation(
      [{ path: "request", message: "was made more than 30 days ago (or in the future); make a new one" }],
      "activation request",
    );
  }
  return request;
}

/** The payload of an armored document, unverified; a validation error when it cannot be read. */
function peekPayload(armored: string): unknown {
  try {
    const lines = armored.trim().split(/\r?\n/);
    const body = lines.slice(1, -1).join("").replace(/[\s]/g, "");
    const envelope = JSON.parse(Buffer.from(body, "base64").toString("utf8")) as { payload?: unknown };
    if (typeof envelope.payload !== "string") throw new Error("no payload");
    return JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8"));
  } catch {
    throw AppError.validation(
      [{ path: "request", message: "is not an activation request file (armored ACTIVATION REQUEST)" }],
      "activation request",
    );
  }
}
