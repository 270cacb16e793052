// What the mapping engine makes of a legacy row: a typed candidate for import, or why it cannot be one.

/** A license as a legacy source holds it, in model v2's field names (docs/license-file-format.md, section 8). */
export interface LegacyLicense {
  /** The mapping's source name (`studio`, `vbuc-cli`, `vbuc-sales`); with `legacyId`, the record's key. */
  source: string;
  /** The source's own id for the row (its main table's key column). */
  legacyId: string;
  /** Where it came from, for reports: the main table and its row number. */
  table: string;
  row: number;
  /** The license key customers hold (GUID), as the source wrote it, trimmed. */
  guid: string;
  dateIssued: string;
  lastExecutionDate: string | null;
  products: string[];
  productFriendlyNames: string[];
  ownerCompany: string;
  ownerName: string | null;
  ownerEmail: string | null;
  createdBy: string | null;
  ownerIpAddress: string | null;
  createdAtComputer: string | null;
  licensingAssemblyVersion: string | null;
  licenseType: string | null;
  unitsType: string | null;
  accumulatedUnits: number | null;
  unitsPerExecution: number | null;
  startDate: string;
  /** null: open-ended (legacy `DateTime.MinValue`, or no value). */
  endDate: string | null;
  timesDownloaded: number | null;
  availableActivations: number | null;
  fingerprint: string | null;
  executionModes: string[];
  notifyDays: number | null;
  friendlyRestrictions: { key: string; value: string }[];
  allowedCustomFeatures: string[];
  /** The owner's id in the company's CRM, when the source holds it (matches `externalId` of accounts). */
  accountExternalId: string | null;
  /** The stored legacy license file text (VBUC), kept as provenance. */
  licenseFile: string | null;
  consumedAccumulatedUnits: number | null;
  lastUsedDate: string | null;
}

/** Why a row is not a license candidate. */
export type IssueReason =
  | "unreadable_row"
  | "missing_required"
  | "invalid_date"
  | "invalid_number"
  | "invalid_guid"
  | "end_before_start"
  | "unknown_product"
  | "unknown_value"
  | "duplicate_guid"
  | "duplicate_key";

/** One problem with one cell (or row, when `column` is null) of a source table. */
export interface MappingIssue {
  table: string;
  row: number;
  column: string | null;
  reason: IssueReason;
  message: string;
  /** For unknown_product and unknown_value: the legacy value itself. */
  value?: string;
}

/** The engine's answer for one source row: a candidate, or the issues that keep it out. */
export type MappingResult =
  | { ok: true; license: LegacyLicense }
  | { ok: false; table: string; row: number; legacyId: string | null; issues: MappingIssue[] };
