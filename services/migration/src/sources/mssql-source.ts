// A live SQL Server database as a source, through the `mssql` driver (tedious): the same
// `select * from <table>` as for MySQL, streamed (the request pauses while the consumer is busy).
// Untested here: no SQL Server runs on these machines (docs/migration.md says so). Kept thin on
// purpose: everything past "rows of text" is shared with the other readers.
import { AppError } from "@licensing/contracts";
import sql from "mssql";
import type { CellValue, LegacySource, SourceRecord } from "./record.ts";
import { withoutPassword } from "./source-url.ts";

/** Opens `mssql://user:password@host:port/database` (or `sqlserver://…`). */
export async function openMssqlSource(url: string): Promise<LegacySource> {
  const description = withoutPassword(url);
  const parsed = new URL(url);
  const pool = new sql.ConnectionPool({
    server: parsed.hostname,
    port: parsed.port === "" ? 1433 : Number(parsed.port),
    database: decodeURIComponent(parsed.pathname.slice(1)),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    // datetime values are wall-clock times: read them as UTC so their text is what SQL Server holds.
    options: {
      useUTC: true,
      trustServerCertificate: parsed.searchParams.get("trustServerCertificate") === "true",
    },
  });
  try {
    await pool.connect();
  } catch (error) {
    throw new AppError("service_unavailable", `Cannot read ${description}: ${(error as Error).message}`);
  }
  return {
    description,
    async *read(table: string): AsyncGenerator<SourceRecord> {
      const request = pool.request();
      const stream = request.toReadableStream({ highWaterMark: 256 });
      // In stream mode rows and errors arrive through the stream; the callback only keeps the
      // driver from also answering with a promise.
      request.query(`select * from ${quoteIdentifier(table)}`, () => {});
      let rowNumber = 0;
      try {
        for await (const row of stream as AsyncIterable<Record<string, unknown>>) {
          rowNumber += 1;
          yield { table, rowNumber, values: toCells(row) };
        }
      } catch (error) {
        throw new AppError(
          "service_unavailable",
          `Cannot read ${table} from ${description}: ${(error as Error).message}`,
        );
      }
    },
    close: () => pool.close(),
  };
}

/** `[name]` with `]` doubled, and `schema.table` quoted part by part. */
function quoteIdentifier(name: string): string {
  return name
    .split(".")
    .map((part) => `[${part.replaceAll("]", "]]")}]`)
    .join(".");
}

/** Values as text, dates as `yyyy-MM-dd HH:mm:ss.SSS` (what SSMS exports), so mappings read both alike. */
function toCells(row: Record<string, unknown>): Record<string, CellValue> {
  const values: Record<string, CellValue> = {};
  for (const [name, value] of Object.entries(row)) {
    values[name] =
      value === null || value === undefined
        ? null
        : value instanceof Date
          ? value.toISOString().slice(0, 23).replace("T", " ")
          : Buffer.isBuffer(value)
            ? value.toString("hex")
            : typeof value === "object"
              ? JSON.stringify(value)
              : String(value);
  }
  return values;
}
