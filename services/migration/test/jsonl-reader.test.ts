import { afterAll, describe, expect, it } from "vitest";
import { readJsonLinesFile } from "../src/sources/index.ts";
import { collect, scratchDirectory, utf16, writeBytes } from "./support/files.ts";

const scratch = scratchDirectory();
afterAll(() => scratch.remove());

describe("JSON Lines reader", () => {
  it("reads one object per line, values as text or null, numbered by line", async () => {
    const path = writeBytes(
      scratch.path,
      "ok.jsonl",
      '{"id":1,"name":"Acme","active":true,"end":null,"tags":["a"]}\r\n\n{"id":2,"name":"Beta"}\n',
    );
    expect(await collect(readJsonLinesFile(path, "t"))).toEqual([
      {
        table: "t",
        rowNumber: 1,
        values: { id: "1", name: "Acme", active: "true", end: null, tags: '["a"]' },
        partial: true,
      },
      // a member left out is NULL to the engine, not a column the table lacks
      { table: "t", rowNumber: 3, values: { id: "2", name: "Beta" }, partial: true },
    ]);
  });

  it("turns a bad line into an error record with its line number and reads on", async () => {
    const path = writeBytes(scratch.path, "bad.jsonl", '{"id":1}\n{"id":2,\n[1,2]\n"text"\n{"id":5}\n');
    const records = await collect(readJsonLinesFile(path, "t"));
    expect(records.map((r) => [r.rowNumber, "error" in r ? "error" : "row"])).toEqual([
      [1, "row"],
      [2, "error"],
      [3, "error"],
      [4, "error"],
      [5, "row"],
    ]);
    expect(records[1]).toMatchObject({ table: "t", rowNumber: 2, error: expect.stringMatching(/^not JSON/) });
    expect(records[2]).toMatchObject({ error: "not a JSON object" });
  });

  it("reads UTF-16 with a BOM", async () => {
    const path = writeBytes(scratch.path, "utf16.jsonl", utf16('{"owner":"Zoë"}\n', "le"));
    expect(await collect(readJsonLinesFile(path, "t"))).toEqual([
      { table: "t", rowNumber: 1, values: { owner: "Zoë" }, partial: true },
    ]);
  });

  it("fails on a missing file", async () => {
    await expect(collect(readJsonLinesFile(`${scratch.path}/none.jsonl`, "t"))).rejects.toMatchObject({
      code: "not_found",
    });
  });
});
