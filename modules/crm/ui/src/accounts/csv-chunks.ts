/** One data record of a CSV file: its row number as the catalog counts rows (the header is row 1). */
export interface CsvRecord {
  row: number;
  text: string;
}

export interface SplitCsv {
  header: string;
  records: CsvRecord[];
}

/**
 * Cuts CSV text into its header and data records without reading the cells: a line break inside a
 * quoted cell stays inside its record. Empty lines are skipped, as the catalog skips them, so the row
 * numbers here are the catalog's.
 */
export function splitCsv(text: string): SplitCsv {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '"') quoted = !quoted;
    else if (char === "\n" && !quoted) {
      lines.push(source.slice(start, source[i - 1] === "\r" ? i - 1 : i));
      start = i + 1;
    }
  }
  // A last line without a line break, or an unclosed quote running to the end (the catalog reports it).
  if (start < source.length) lines.push(source.slice(start).replace(/\r$/, ""));
  const nonEmpty = lines.filter((line) => line !== "");
  const [header = "", ...data] = nonEmpty;
  return { header, records: data.map((line, index) => ({ row: index + 2, text: line })) };
}

export interface CsvChunk {
  /** The header and this chunk's records, ready to send. */
  csv: string;
  /** The file's row number of each record in the chunk, in order: chunk row `r` is `rows[r - 2]`. */
  rows: number[];
}

/**
 * Groups records into chunks of at most `maxRows` records and about `maxBytes` of text, each with the
 * header, so each request stays small (far below the 8 MiB an import takes) and the import can show
 * its progress chunk by chunk.
 */
export function chunkCsv(split: SplitCsv, maxRows: number, maxBytes = 512 * 1024): CsvChunk[] {
  const chunks: CsvChunk[] = [];
  let records: CsvRecord[] = [];
  let bytes = split.header.length;
  const flush = () => {
    if (records.length === 0) return;
    chunks.push({
      csv: [split.header, ...records.map((r) => r.text)].join("\n"),
      rows: records.map((r) => r.row),
    });
    records = [];
    bytes = split.header.length;
  };
  for (const record of split.records) {
    if (records.length >= maxRows || (records.length > 0 && bytes + record.text.length + 1 > maxBytes))
      flush();
    records.push(record);
    bytes += record.text.length + 1;
  }
  flush();
  return chunks;
}
