// The three sources' tables as docs/migration.md documents them, filled from legacy-data.ts's facts
// with each source's own naming, shape and mess.

import { studioTables } from "./layouts/studio.ts";
import { cliTables } from "./layouts/vbuc-cli.ts";
import { salesTables } from "./layouts/vbuc-sales.ts";
import type { GeneratedTable, LegacySourceName } from "./legacy-data.ts";

/** The tables of `source` with `rows` licenses; each table's rows can be iterated again, the same. */
export function legacyTables(source: LegacySourceName, rows: number, seed = 1): GeneratedTable[] {
  switch (source) {
    case "studio":
      return studioTables(rows, seed);
    case "vbuc-cli":
      return cliTables(rows, seed);
    case "vbuc-sales":
      return salesTables(rows, seed);
  }
}
