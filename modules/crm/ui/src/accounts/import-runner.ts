import type { ImportAccountsResponse } from "@licensing/contracts";
import { chunkCsv, type SplitCsv } from "./csv-chunks.ts";

export type ImportRow = ImportAccountsResponse["rows"][number];

/** The outcome of a whole file: the catalog's answers to its chunks, merged, rows numbered as in the file. */
export type ImportReport = ImportAccountsResponse;

/** Rows per request: big enough to be quick, small enough for the progress bar to move. */
export const rowsPerChunk = 200;

export interface RunImportOptions {
  split: SplitCsv;
  dryRun: boolean;
  /** One request of the catalog's import (`POST /api/accounts/import`). */
  send: (csv: string, dryRun: boolean) => Promise<ImportAccountsResponse>;
  /** Rows not to send, reported with the outcome given (see `markRepeatedIds`). */
  excluded?: ReadonlyMap<number, ImportRow>;
  onProgress?: (rowsDone: number, rowsTotal: number) => void;
  chunkRows?: number;
}

/** The import stopped part-way: `report` holds what the chunks before the failure did. */
export class ImportStopped extends Error {
  readonly report: ImportReport;
  override readonly cause: unknown;
  constructor(report: ImportReport, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "ImportStopped";
    this.report = report;
    this.cause = cause;
  }
}

/**
 * Sends a file to the catalog chunk by chunk, in order, and merges the answers. Each chunk is applied
 * in its own transaction; importing the same file again is safe (rows already in are `unchanged`).
 */
export async function runImport(options: RunImportOptions): Promise<ImportReport> {
  const excluded = options.excluded ?? new Map<number, ImportRow>();
  const records = options.split.records.filter((record) => !excluded.has(record.row));
  const chunks = chunkCsv({ header: options.split.header, records }, options.chunkRows ?? rowsPerChunk);
  const rows: ImportRow[] = [...excluded.values()];
  let done = 0;
  options.onProgress?.(0, records.length);
  for (const chunk of chunks) {
    let answer: ImportAccountsResponse;
    try {
      answer = await options.send(chunk.csv, options.dryRun);
    } catch (error) {
      throw new ImportStopped(summarize(options.dryRun, rows), error);
    }
    for (const row of answer.rows) rows.push({ ...row, row: chunk.rows[row.row - 2] ?? row.row });
    done += chunk.rows.length;
    options.onProgress?.(done, records.length);
  }
  return summarize(options.dryRun, rows);
}

/**
 * The catalog rejects an external id repeated within one request; this does the same across the
 * chunks of a file, on a preview's report. Returns the report with later repeats rejected, and those
 * rows, to leave out of the real import.
 */
export function markRepeatedIds(report: ImportReport): {
  report: ImportReport;
  repeated: Map<number, ImportRow>;
} {
  const firstRow = new Map<string, number>();
  const repeated = new Map<number, ImportRow>();
  const rows = report.rows.map((row) => {
    if (row.outcome === "rejected" || !row.externalId) return row;
    const first = firstRow.get(row.externalId);
    if (first === undefined) {
      firstRow.set(row.externalId, row.row);
      return row;
    }
    const rejected: ImportRow = {
      row: row.row,
      externalId: row.externalId,
      name: row.name,
      outcome: "rejected",
      reason: `external id ${row.externalId} already appears in row ${first}`,
    };
    repeated.set(row.row, rejected);
    return rejected;
  });
  return { report: summarize(report.dryRun, rows), repeated };
}

function summarize(dryRun: boolean, rows: ImportRow[]): ImportReport {
  const sorted = [...rows].sort((a, b) => a.row - b.row);
  const count = (outcome: ImportRow["outcome"]) => sorted.filter((row) => row.outcome === outcome).length;
  return {
    dryRun,
    created: count("created"),
    updated: count("updated"),
    unchanged: count("unchanged"),
    rejected: count("rejected"),
    rows: sorted,
  };
}

/**
 * The rejected rows of a report as a CSV file (with a BOM, so spreadsheets read it as UTF-8): each
 * row's number in the file, external id, name, the reason, and the row as the file had it, so the
 * operator can correct those rows and import them again. A cell that a spreadsheet would take for a
 * formula (`=`, `+`, `-`, `@` first) is prefixed with `'`.
 */
export function rejectedRowsCsv(report: ImportReport, split: SplitCsv | null): string {
  const original = new Map(split?.records.map((record) => [record.row, record.text]));
  const lines = [["Row", "External id", "Name", "Reason", "Row as in the file"]];
  for (const row of report.rows)
    if (row.outcome === "rejected")
      lines.push([
        String(row.row),
        row.externalId ?? "",
        row.name ?? "",
        row.reason ?? "",
        original.get(row.row) ?? "",
      ]);
  return `\uFEFF${lines.map((cells) => cells.map(csvCell).join(",")).join("\r\n")}\r\n`;
}

function csvCell(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
