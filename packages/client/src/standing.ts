import type { License } from "@licensing/model";
import { LicenseError } from "./errors.ts";
import type { ClientState } from "./state.ts";

/**
 * A suspension or revocation the server gave is remembered in the state and refused offline too,
 * until a signed status answer (only ever issued for a license that is neither) clears it.
 */
export function rememberRefusal(
  state: ClientState,
  error: LicenseError,
  licenseId: string | null,
  now: Date,
): void {
  if (error.reason !== "suspended" && error.reason !== "revoked") return;
  if (state.standing?.reason === "revoked" && error.reason === "suspended") return;
  state.standing = { reason: error.reason, licenseId, at: now.toISOString(), message: error.message };
}

/** Refuses a license whose suspension or revocation this machine has learned. */
export function checkStanding(state: ClientState, license: License): void {
  const standing = state.standing;
  if (!standing || (standing.licenseId !== null && standing.licenseId !== license.id)) return;
  throw new LicenseError(
    standing.reason,
    `${standing.message} (learned on ${standing.at}; this machine keeps refusing until the license server says otherwise)`,
  );
}
