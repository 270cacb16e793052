// The license model v2 fields a mapping can fill, with the type the engine makes of their text.

/**
 * text: trimmed; verbatim: as stored (provenance); code: trimmed, through a value map when the
 * mapping names one; list: split.
 */
export type FieldKind = "text" | "verbatim" | "code" | "list" | "date" | "integer" | "limit" | "pairs";

export interface FieldDefinition {
  kind: FieldKind;
  required?: boolean;
  /** For integers: the inclusive range allowed. */
  min?: number;
  max?: number;
}

export const FIELDS = {
  guid: { kind: "text", required: true },
  dateIssued: { kind: "date", required: true },
  lastExecutionDate: { kind: "date" },
  products: { kind: "list", required: true },
  productFriendlyNames: { kind: "list" },
  ownerCompany: { kind: "text", required: true },
  ownerName: { kind: "text" },
  ownerEmail: { kind: "text" },
  createdBy: { kind: "text" },
  ownerIpAddress: { kind: "text" },
  createdAtComputer: { kind: "text" },
  licensingAssemblyVersion: { kind: "text" },
  licenseType: { kind: "code" },
  unitsType: { kind: "code" },
  accumulatedUnits: { kind: "limit" },
  unitsPerExecution: { kind: "limit" },
  startDate: { kind: "date", required: true },
  endDate: { kind: "date" },
  timesDownloaded: { kind: "integer", min: 0 },
  availableActivations: { kind: "limit" },
  fingerprint: { kind: "text" },
  executionModes: { kind: "list" },
  notifyDays: { kind: "integer", min: 0, max: 3650 },
  friendlyRestrictions: { kind: "pairs" },
  allowedCustomFeatures: { kind: "list" },
  accountExternalId: { kind: "text" },
  licenseFile: { kind: "verbatim" },
  consumedAccumulatedUnits: { kind: "integer", min: 0 },
  lastUsedDate: { kind: "date" },
} as const satisfies Record<string, FieldDefinition>;

export type FieldName = keyof typeof FIELDS;

export const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];

export function isFieldName(name: string): name is FieldName {
  return Object.hasOwn(FIELDS, name);
}
