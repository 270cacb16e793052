import type { KeySet, License } from "@licensing/model";
import type { DistributionApi } from "./http.ts";
import type { Platform } from "./platform.ts";
import type { StateStore } from "./state.ts";

/** What the LicenseManager's parts share: the API, the stored state, the pinned keys, the machine. */
export interface ManagerContext {
  /** The distribution API; throws `offline_mode` in offline mode. */
  api(): DistributionApi;
  state: StateStore;
  keys: KeySet;
  fingerprint(): Promise<string>;
  platform: Platform;
  now(): Date;
  licenseKey: string | undefined;
  /** Verifies and keeps a license file (LicenseManager.load). */
  load(file: string): Promise<License>;
}
