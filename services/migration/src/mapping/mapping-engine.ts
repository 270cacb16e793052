// The mapping engine: a source's rows, through a mapping file, become license candidates or issues.
// The main table streams row by row; joined tables are indexed first (join-index.ts); the only state
// that grows with the main table is the set of GUIDs seen, to find duplicates.
import { isRowError, type LegacySource } from "../sources/index.ts";
import { type FieldConverter, type FieldValue, fieldConverter } from "./field-values.ts";
import { FIELD_NAMES, FIELDS, type FieldDefinition, type FieldName } from "./fields.ts";
import { buildJoinIndex, type JoinedRow, type JoinIndex, joinKey, requireColumns } from "./join-index.ts";
import type { LegacyLicense, MappingIssue, MappingResult } from "./legacy-license.ts";
import type { MappingFile } from "./mapping-schema.ts";

const GUID = /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

interface CompiledField {
  field: FieldName;
  table: string | null;
  column: string | null;
  convert: FieldConverter;
}

/**
 * Maps every row of the source's main table. Issues found in joined tables (unreadable rows,
 * repeated keys) come first, as results of their own table; then one result per main-table row,
 * in order.
 */
export async function* mapSource(source: LegacySource, mapping: MappingFile): AsyncGenerator<MappingResult> {
  const fields = compileFields(mapping);
  const columnsOf = usedColumns(mapping);
  const joinIssues: MappingIssue[] = [];
  const indexes: { on: [string, string]; index: JoinIndex }[] = [];
  for (const join of mapping.joins) {
    const index = await buildJoinIndex(source, join.table, join.key, columnsOf(join.table), (issue) =>
      joinIssues.push(issue),
    );
    indexes.push({ on: splitRef(join.on), index });
  }
  for (const issue of joinIssues) {
    yield { ok: false, table: issue.table, row: issue.row, legacyId: null, issues: [issue] };
  }

  const main = mapping.main;
  const firstGuidRow = new Map<string, number>();
  let checked = false;
  for await (const record of source.read(main.table)) {
    if (isRowError(record)) {
      const issue: MappingIssue = {
        table: main.table,
        row: record.rowNumber,
        column: null,
        reason: "unreadable_row",
        message: record.error,
      };
      yield { ok: false, table: main.table, row: record.rowNumber, legacyId: null, issues: [issue] };
      continue;
    }
    if (!checked && !record.partial) {
      requireColumns(main.table, record.values, [main.key, ...columnsOf(main.table)]);
      checked = true;
    }
    const rows = new Map<string, JoinedRow | null>([[main.table, record.values]]);
    for (const { on, index } of indexes) {
      const key = joinKey(rows.get(on[0])?.[on[1]]);
      rows.set(index.table, key === null ? null : (index.rows.get(key) ?? null));
    }
    yield mapRow(record.rowNumber, rows, fields, mapping, firstGuidRow);
  }
}

function mapRow(
  row: number,
  rows: Map<string, JoinedRow | null>,
  fields: CompiledField[],
  mapping: MappingFile,
  firstGuidRow: Map<string, number>,
): MappingResult {
  const table = mapping.main.table;
  const issues: MappingIssue[] = [];
  const issue = (f: CompiledField | null, reason: MappingIssue["reason"], message: string, value?: string) =>
    issues.push({
      table: f?.table ?? table,
      row,
      column: f?.column ?? null,
      reason,
      message: f === null ? message : `${f.field}: ${message}`,
      ...(value === undefined ? {} : { value }),
    });
  const legacyId = rows.get(table)?.[mapping.main.key]?.trim() || null;
  if (legacyId === null) {
    issues.push({
      table,
      row,
      column: mapping.main.key,
      reason: "missing_required",
      message: "no legacy id",
    });
  }
  const values: Partial<Record<FieldName, FieldValue>> = {};
  const byField = new Map<FieldName, CompiledField>();
  for (const f of fields) {
    byField.set(f.field, f);
    const cell = f.table === null ? null : (rows.get(f.table)?.[f.column!] ?? null);
    const converted = f.convert(cell);
    if (!converted.ok) {
      issue(f, converted.reason, converted.message, converted.value);
      continue;
    }
    values[f.field] = converted.value;
    const empty =
      converted.value === null || (Array.isArray(converted.value) && converted.value.length === 0);
    if (empty && isRequired(f.field)) issue(f, "missing_required", "no value");
  }
  const guid = values.guid as string | null | undefined;
  if (typeof guid === "string") {
    if (!GUID.test(guid)) issue(byField.get("guid")!, "invalid_guid", `${guid} is not a GUID`);
    else {
      const normalized = guid.replace(/[{}-]/g, "").toLowerCase();
      const first = firstGuidRow.get(normalized);
      if (first === undefined) firstGuidRow.set(normalized, row);
      else issue(byField.get("guid")!, "duplicate_guid", `${guid} is also row ${first}`);
    }
  }
  const start = values.startDate;
  const end = values.endDate;
  if (typeof start === "string" && typeof end === "string" && end < start) {
    issue(byField.get("endDate")!, "end_before_start", `${end} is before the start date ${start}`);
  }
  if (issues.length > 0) return { ok: false, table, row, legacyId, issues };
  return { ok: true, license: toLicense(mapping.source, legacyId!, table, row, values) };
}

function toLicense(
  source: string,
  legacyId: string,
  table: string,
  row: number,
  values: Partial<Record<FieldName, FieldValue>>,
): LegacyLicense {
  const v = values as Record<string, unknown>;
  const get = <T>(field: FieldName, empty: T): T => (v[field] ?? empty) as T;
  return {
    source,
    legacyId,
    table,
    row,
    guid: get("guid", ""),
    dateIssued: get("dateIssued", ""),
    lastExecutionDate: get("lastExecutionDate", null),
    products: get("products", []),
    productFriendlyNames: get("productFriendlyNames", []),
    ownerCompany: get("ownerCompany", ""),
    ownerName: get("ownerName", null),
    ownerEmail: get("ownerEmail", null),
    createdBy: get("createdBy", null),
    ownerIpAddress: get("ownerIpAddress", null),
    createdAtComputer: get("createdAtComputer", null),
    licensingAssemblyVersion: get("licensingAssemblyVersion", null),
    licenseType: get("licenseType", null),
    unitsType: get("unitsType", null),
    accumulatedUnits: get("accumulatedUnits", null),
    unitsPerExecution: get("unitsPerExecution", null),
    startDate: get("startDate", ""),
    endDate: get("endDate", null),
    timesDownloaded: get("timesDownloaded", null),
    availableActivations: get("availableActivations", null),
    fingerprint: get("fingerprint", null),
    executionModes: get("executionModes", []),
    notifyDays: get("notifyDays", null),
    friendlyRestrictions: get("friendlyRestrictions", []),
    allowedCustomFeatures: get("allowedCustomFeatures", []),
    accountExternalId: get("accountExternalId", null),
    licenseFile: get("licenseFile", null),
    consumedAccumulatedUnits: get("consumedAccumulatedUnits", null),
    lastUsedDate: get("lastUsedDate", null),
  };
}

function isRequired(field: FieldName): boolean {
  return (FIELDS[field] as FieldDefinition).required === true;
}

function compileFields(mapping: MappingFile): CompiledField[] {
  return FIELD_NAMES.filter((field) => Object.hasOwn(mapping.fields, field)).map((field) => {
    const spec = mapping.fields[field]!;
    const [table, column] = spec.column === undefined ? [null, null] : splitRef(spec.column);
    return { field, table, column, convert: fieldConverter(field, spec, mapping) };
  });
}

/** The columns the mapping reads from `table` (its join key aside). */
function usedColumns(mapping: MappingFile): (table: string) => string[] {
  const refs = [
    ...Object.values(mapping.fields).map((spec) => spec.column),
    ...mapping.joins.map((j) => j.on),
  ];
  return (table) => [
    ...new Set(
      refs
        .filter((ref): ref is string => ref !== undefined)
        .map(splitRef)
        .filter(([t]) => t === table)
        .map(([, column]) => column),
    ),
  ];
}

function splitRef(ref: string): [string, string] {
  const at = ref.indexOf(".");
  return [ref.slice(0, at), ref.slice(at + 1)];
}
