// @licensing/client: the LicenseManager, for products in Node and in browsers (docs/client.md).
export type { Requirements } from "./checks.ts";
export { DelegatedCollector, type DelegatedExecution } from "./delegated-collector.ts";
export { LicenseError, type RefusalReason, refusalReasons } from "./errors.ts";
export { FleetAuthority, type IssuedDelegation } from "./fleet-authority.ts";
export type { LeaseRequest } from "./lease-issuing.ts";
export {
  type Authorization,
  type Connectivity,
  LicenseManager,
  type LicenseManagerOptions,
} from "./license-manager.ts";
export type { DownloadFiles, FetchLike, Platform } from "./platform.ts";
export type { LogAnomaly, ReceiptReport } from "./receipt-log.ts";
export type { ReceiptsSent } from "./receipt-upload.ts";
export { type ClientStorage, IndexedDbStorage, MemoryStorage } from "./storage.ts";
export type { AvailableUpdate, UpdateCheck, UpdateQuery } from "./updates.ts";
export type { FlushResult, UsageSummary } from "./usage.ts";
export { keySetOf, type TrustedKey, verifyLicense } from "./verify.ts";
