import type { LicenseRecord } from "./licenses.ts";

/** The per-key ceiling of a license whose seats or activations are unlimited, in machine budgets. */
export const unlimitedFleetBudgets = 100;

/**
 * How many machine budgets a license key's ceiling holds (issue 12): every collector of a cockpit
 * license, and every machine of a license activated on several, uses the same key, so one runaway
 * machine must not spend what the others need. Each (key, fingerprint) gets its own budget; the key
 * as a whole gets one per seat or activation (the larger), at least one, and `unlimitedFleetBudgets`
 * when either is unlimited (-1).
 */
export function keyBudgets(license: Pick<LicenseRecord, "seats" | "availableActivations">): number {
  if (license.seats < 0 || license.availableActivations < 0) return unlimitedFleetBudgets;
  return Math.max(1, license.seats, license.availableActivations);
}

/** The budget a request counts against: its machine's when it names a fingerprint, else the key's anonymous one. */
export function budgetKey(keyHash: string, fingerprint: unknown): string {
  return typeof fingerprint === "string" ? `fp:${keyHash}:${fingerprint}` : `fp:${keyHash}:`;
}
