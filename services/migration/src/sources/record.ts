// What every reader yields, whatever it reads: one record per source row, in the order of the source.

/** A cell as the source holds it: text, or null for SQL NULL (or the export's NULL spelling). */
export type CellValue = string | null;

/** One row of a source table; `rowNumber` counts data rows from 1 (a CSV's header is not a row). */
export interface SourceRow {
  table: string;
  rowNumber: number;
  values: Record<string, CellValue>;
  /**
   * The row names only the columns it has a value for (a JSON object may leave out its nulls): an
   * absent column is NULL, not a sign the table lacks it. CSV and database rows name every column.
   */
  partial?: true;
}

/** A row the reader could not read (a JSON Lines line that is not an object): reported, never fatal. */
export interface SourceRowError {
  table: string;
  rowNumber: number;
  error: string;
}

export type SourceRecord = SourceRow | SourceRowError;

export function isRowError(record: SourceRecord): record is SourceRowError {
  return "error" in record;
}

/**
 * A legacy source: a directory of exports or a live database. `read` streams one table's rows
 * (memory stays flat whatever the table's size); `close` releases connections.
 */
export interface LegacySource {
  /** Where the rows come from, for messages (a directory path or a URL without its password). */
  readonly description: string;
  read(table: string): AsyncIterable<SourceRecord>;
  close(): Promise<void>;
}
