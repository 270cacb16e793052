// npm run migrate:generate -- <source> --rows N --out dir [--format csv|jsonl|utf16]
//   [--seed S] [--mariadb mysql://root@127.0.0.1:3306/legacy_x]
// Writes realistic legacy exports for one source (see legacy-data.ts for the mess they carry).
import { mkdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { type ExportFormat, writeLegacyDatabase, writeLegacyExport } from "./export-writers.ts";
import { expectedOutcome, LEGACY_SOURCES, type LegacySourceName } from "./legacy-data.ts";

const usage =
  "usage: npm run migrate:generate -- <studio|vbuc-cli|vbuc-sales> --rows N (--out dir [--format csv|jsonl|utf16] | --mariadb url) [--seed S]";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rows: { type: "string" },
    out: { type: "string" },
    format: { type: "string", default: "csv" },
    seed: { type: "string", default: "1" },
    mariadb: { type: "string" },
  },
});

const source = positionals[0] as LegacySourceName;
const rows = Number(values.rows);
const seed = Number(values.seed);
const format = values.format as ExportFormat;
if (
  !LEGACY_SOURCES.includes(source) ||
  !Number.isSafeInteger(rows) ||
  rows < 1 ||
  !Number.isSafeInteger(seed) ||
  !["csv", "jsonl", "utf16"].includes(format) ||
  (values.out === undefined && values.mariadb === undefined)
) {
  console.error(usage);
  process.exit(2);
}

if (values.out !== undefined) {
  mkdirSync(values.out, { recursive: true });
  const paths = await writeLegacyExport(values.out, source, { rows, seed, format });
  console.log(`wrote ${paths.join(", ")}`);
}
if (values.mariadb !== undefined) {
  await writeLegacyDatabase(values.mariadb, source, { rows, seed });
  console.log(`filled ${values.mariadb.replace(/\/\/[^@/]*@/, "//…@")}`);
}
const expected = expectedOutcome(rows);
console.log(`${rows} licenses: ${expected.valid} valid, planted defects ${JSON.stringify(expected.invalid)}`);
