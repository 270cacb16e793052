import type { CsvOptions } from "./csv-reader.ts";
import { openDirectorySource } from "./directory-source.ts";
import { openMssqlSource } from "./mssql-source.ts";
import { openMysqlSource } from "./mysql-source.ts";
import type { LegacySource } from "./record.ts";

/**
 * A source from where it is: a database URL (`mysql://`, `mariadb://`, `mssql://`, `sqlserver://`)
 * or a directory of exports. CSV options apply to a directory's CSV files.
 */
export async function openSource(location: string, csv: CsvOptions = {}): Promise<LegacySource> {
  if (/^(mysql|mariadb):\/\//i.test(location)) return openMysqlSource(location);
  if (/^(mssql|sqlserver):\/\//i.test(location)) return openMssqlSource(location);
  return openDirectorySource(location, csv);
}
