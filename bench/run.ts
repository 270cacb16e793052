// Runs every benchmark under bench/ (or the ones named on the command line) one after the other,
// each in its own process so one cannot warm or pollute the next. Each prints its own table.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";

const dir = import.meta.dirname;
const all = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => basename(f, ".bench.ts"))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(", ")}. Available: ${all.join(", ")}`);
  process.exit(2);
}
let failed = false;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== ${name} ===`);
  const run = spawnSync(process.execPath, [join(dir, `${name}.bench.ts`)], { stdio: "inherit" });
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
