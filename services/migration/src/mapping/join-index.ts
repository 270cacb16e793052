// Joins: the main table streams; each joined table is read first into an index by its key, holding
// only the columns the mapping uses. Joined tables (products, usage, orders, customers) hold at most
// one row per license and a few columns each, so 100,000 licenses index in tens of megabytes, and the
// exports need no particular order (a merge join would need every export sorted by key, which the
// sources' owners may not be able to promise). Keys compare trimmed and case-insensitively, since the
// legacy data spells product codes and ids both ways.
import { AppError } from "@licensing/contracts";
import { type CellValue, isRowError, type LegacySource } from "../sources/index.ts";
import type { MappingIssue } from "./legacy-license.ts";

export type JoinedRow = Record<string, CellValue>;

export interface JoinIndex {
  table: string;
  rows: Map<string, JoinedRow>;
}

export function joinKey(value: CellValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  const key = value.trim().toLowerCase();
  return key === "" ? null : key;
}

/** Reads `table` into an index by `keyColumn`, keeping `columns`; a repeated key keeps its first row. */
export async function buildJoinIndex(
  source: LegacySource,
  table: string,
  keyColumn: string,
  columns: readonly string[],
  report: (issue: MappingIssue) => void,
): Promise<JoinIndex> {
  const rows = new Map<string, JoinedRow>();
  const firstRow = new Map<string, number>();
  let checked = false;
  for await (const record of source.read(table)) {
    if (isRowError(record)) {
      report({ table, row: record.rowNumber, column: null, reason: "unreadable_row", message: record.error });
      continue;
    }
    if (!checked && !record.partial) {
      requireColumns(table, record.values, [keyColumn, ...columns]);
      checked = true;
    }
    const key = joinKey(record.values[keyColumn]);
    if (key === null) continue; // a row no license can join to
    const earlier = firstRow.get(key);
    if (earlier !== undefined) {
      report({
        table,
        row: record.rowNumber,
        column: keyColumn,
        reason: "duplicate_key",
        message: `${keyColumn} ${record.values[keyColumn]} is also row ${earlier}; row ${earlier} is used`,
      });
      continue;
    }
    const kept: JoinedRow = {};
    for (const column of columns) kept[column] = record.values[column] ?? null;
    rows.set(key, kept);
    firstRow.set(key, record.rowNumber);
  }
  return { table, rows };
}

/** A table without a column the mapping reads is a mapping that does not fit the source: stop. */
export function requireColumns(
  table: string,
  values: Record<string, CellValue>,
  columns: readonly string[],
): void {
  const missing = columns.filter((column) => !Object.hasOwn(values, column));
  if (missing.length > 0) {
    throw new AppError(
      "validation_failed",
      `${table} has no column ${missing.join(", ")} (it has ${Object.keys(values).join(", ")}): fix the mapping.`,
      { table, missing },
    );
  }
}
