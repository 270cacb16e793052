// A live MySQL/MariaDB database as a source: each table is read with `select * from <table>`, rows
// streamed from the server (mysql2's query stream, paused while the consumer is busy), every value
// as the text the server sends (dates as `yyyy-MM-dd HH:mm:ss`, like a MySQL export).
import { AppError } from "@licensing/contracts";
import mysql from "mysql2";
import type { CellValue, LegacySource, SourceRecord } from "./record.ts";
import { withoutPassword } from "./source-url.ts";

/** Opens `mysql://user:password@host:port/database` (or `mariadb://…`). */
export async function openMysqlSource(url: string): Promise<LegacySource> {
  const uri = url.replace(/^mariadb:/, "mysql:");
  const description = withoutPassword(url);
  const connection = mysql.createConnection({
    uri,
    // Every value as the server's text, so a database reads like its export: the mapping decides types.
    typeCast: (field) => field.string("utf8"),
  });
  await new Promise<void>((resolve, reject) => {
    connection.connect((error) => (error ? reject(unavailable(description, error)) : resolve()));
  });
  return {
    description,
    async *read(table: string): AsyncGenerator<SourceRecord> {
      const stream = connection
        .query(mysql.format("select * from ??", [table]))
        .stream({ highWaterMark: 256 });
      let rowNumber = 0;
      try {
        for await (const row of stream as AsyncIterable<Record<string, CellValue>>) {
          rowNumber += 1;
          yield { table, rowNumber, values: { ...row } };
        }
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === "ER_NO_SUCH_TABLE")
          throw new AppError("not_found", `${description} has no table ${table}.`);
        throw unavailable(description, error);
      }
    },
    close: () => new Promise<void>((resolve) => connection.end(() => resolve())),
  };
}

function unavailable(description: string, error: unknown): AppError {
  return new AppError("service_unavailable", `Cannot read ${description}: ${(error as Error).message}`);
}
