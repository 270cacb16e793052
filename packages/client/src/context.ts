import type { KeySet, License } from "@licensing/model";
import type { DistributionApi } from "./http.ts";
import type { Platform } from "./platform.ts";
import type { StateStore } from "./state.ts";

/** What the LicenseManager's parts share: the API, the stored state, the pinned keys, the machine. */
export interface ManagerContext {
  /** The distribution API; throws `offline_mode` in offline mode. */
  api(): DistributionApi;
  state: StateStore;
  /** The product this code is (LicenseManagerOptions.product). */
  product: string;
  keys: KeySet;
  fingerprint(): Promise<string>;
  platform: Platform;
  now(): Date;
  /** How far the clock may be from a time already seen, or from the server's. */
  toleranceMs: number;
  licenseKey: string | undefined;
  /** The license loaded (verified), if any. */
  license(): License | undefined;
  /** Verifies and keeps a license file (LicenseManager.load). */
  load(file?: string): Promise<License>;
}

/** Whether a signed time from the server is close enough to this clock to count as "just now". */
export function isFresh(ctx: ManagerContext, signedAt: string): boolean {
  return Math.abs(Date.parse(signedAt) - ctx.now().getTime()) <= ctx.toleranceMs;
}
