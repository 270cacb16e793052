// A 50 MB export is read with memory flat in its size: the retained heap (measured after a forced
// collection) stays far below the file's size while every row goes through. Never timings.
import { statSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, expect, it } from "vitest";
import { readCsvFile } from "../src/sources/index.ts";
import { writeLegacyExport } from "./support/export-writers.ts";
import { scratchDirectory } from "./support/files.ts";

const scratch = scratchDirectory();
afterAll(() => scratch.remove());

// gc() without restarting the worker with --expose-gc.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function retainedHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

it("reads a 50 MB generated CSV with flat memory", { timeout: 240_000 }, async () => {
  const rows = 170_000;
  await writeLegacyExport(scratch.path, "studio", { rows, tables: ["Licenses"] });
  const path = join(scratch.path, "Licenses.csv");
  const size = statSync(path).size;
  expect(size).toBeGreaterThan(50 * 1024 * 1024);

  const before = retainedHeap();
  let peak = 0;
  let count = 0;
  for await (const record of readCsvFile(path, "Licenses")) {
    count += 1;
    expect("values" in record).toBe(true);
    if (count % 20_000 === 0) peak = Math.max(peak, retainedHeap() - before);
  }
  expect(count).toBe(rows);
  // Holding the file would retain more than its size (as text alone); streaming retains a few buffers.
  expect(peak).toBeLessThan(size / 5);
});
