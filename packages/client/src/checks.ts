import type { License } from "@licensing/model";
import { LicenseError } from "./errors.ts";

/** What a product asks of its license before running. */
export interface Requirements {
  /** Product code the license must include (defaults to the manager's product). */
  product?: string;
  executionMode?: string;
  features?: readonly string[];
}

/**
 * The offline rules of a license: product, dates, execution mode, features, fingerprint. `now` is
 * the time decisions use (clock.ts: never behind the highest time seen). Throws LicenseError.
 */
export function checkLicense(
  license: License,
  requirements: Requirements & { fingerprint: string; now: Date },
): void {
  const { now } = requirements;
  if (requirements.product !== undefined && !license.products.includes(requirements.product)) {
    throw new LicenseError(
      "wrong_product",
      `This license is for ${license.products.join(", ")}, not ${requirements.product}`,
    );
  }
  if (now.getTime() < Date.parse(license.startDate)) {
    throw new LicenseError("not_yet_valid", `This license starts on ${license.startDate}`);
  }
  if (license.endDate !== null && now.getTime() >= Date.parse(license.endDate)) {
    throw new LicenseError("expired", `This license ended on ${license.endDate}`);
  }
  const mode = requirements.executionMode;
  if (mode !== undefined && !license.executionModes.includes(mode)) {
    throw new LicenseError(
      "mode_not_allowed",
      `This license does not allow the ${mode} mode (allowed: ${license.executionModes.join(", ") || "none"})`,
    );
  }
  for (const feature of requirements.features ?? []) {
    if (!license.allowedCustomFeatures.includes(feature)) {
      throw new LicenseError("feature_not_allowed", `This license does not include the feature ${feature}`);
    }
  }
  if (license.fingerprint !== null && license.fingerprint !== requirements.fingerprint) {
    throw new LicenseError("fingerprint_mismatch", "This license is bound to another machine");
  }
}

/** Units still available: -1 when unlimited. */
export function unitsLeft(license: License, consumed: number): number {
  return license.accumulatedUnits < 0 ? -1 : Math.max(0, license.accumulatedUnits - consumed);
}

/** Throws a RangeError unless `units` is a whole number ≥ 0 (a caller's mistake, not a refusal). */
export function checkUnits(units: number): void {
  if (!Number.isSafeInteger(units) || units < 0) throw new RangeError("units must be a whole number ≥ 0");
}
