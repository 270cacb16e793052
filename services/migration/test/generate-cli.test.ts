// npm run migrate:generate runs this script: it writes a source's exports and says what it planted.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { scratchDirectory } from "./support/files.ts";

const run = promisify(execFile);
const script = join(import.meta.dirname, "support/generate-cli.ts");
const scratch = scratchDirectory();
afterAll(() => scratch.remove());

describe("migrate:generate", () => {
  it("writes every table of the source in the format asked", async () => {
    const out = join(scratch.path, "sales");
    const { stdout } = await run(process.execPath, [
      script,
      "vbuc-sales",
      "--rows",
      "100",
      "--out",
      out,
      "--format",
      "jsonl",
    ]);
    expect(readdirSync(out).sort()).toEqual([
      "customers.jsonl",
      "license_usage.jsonl",
      "order_items.jsonl",
      "orders.jsonl",
      "skus.jsonl",
    ]);
    expect(readFileSync(join(out, "order_items.jsonl"), "utf8").trim().split("\n")).toHaveLength(100);
    expect(stdout).toContain("100 licenses: 88 valid");
  });

  it("writes UTF-16 with a BOM, the same seed giving the same bytes", async () => {
    const a = join(scratch.path, "a");
    const b = join(scratch.path, "b");
    await run(process.execPath, [
      script,
      "studio",
      "--rows",
      "20",
      "--out",
      a,
      "--format",
      "utf16",
      "--seed",
      "3",
    ]);
    await run(process.execPath, [
      script,
      "studio",
      "--rows",
      "20",
      "--out",
      b,
      "--format",
      "utf16",
      "--seed",
      "3",
    ]);
    const bytes = readFileSync(join(a, "Licenses.csv"));
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(bytes.equals(readFileSync(join(b, "Licenses.csv")))).toBe(true);
  });

  it("refuses an unknown source with its usage", async () => {
    await expect(
      run(process.execPath, [script, "nope", "--rows", "1", "--out", scratch.path]),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("usage: npm run migrate:generate"),
    });
  });
});
