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
