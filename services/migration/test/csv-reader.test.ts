import { afterAll, describe, expect, it } from "vitest";
import { detectDelimiter, readCsvFile } from "../src/sources/index.ts";
import { collect, scratchDirectory, utf16, writeBytes } from "./support/files.ts";

const scratch = scratchDirectory();
afterAll(() => scratch.remove());

function csv(name: string, content: string | Uint8Array): string {
  return writeBytes(scratch.path, name, content);
}

describe("CSV reader", () => {
  it.each([
    [",", "id,name,code\n1,Acme,SNOW\n2,Beta,VBUC\n"],
    [";", "id;name;code\n1;Acme;SNOW\n2;Beta;VBUC\n"],
    ["\t", "id\tname\tcode\n1\tAcme\tSNOW\n2\tBeta\tVBUC\n"],
  ])("detects the delimiter %j from the header", async (delimiter, content) => {
    expect(detectDelimiter(content.split("\n")[0]!)).toBe(delimiter);
    const rows = await collect(
      readCsvFile(csv(`d${content.length}${delimiter.charCodeAt(0)}.csv`, content), "t"),
    );
    expect(rows).toEqual([
      { table: "t", rowNumber: 1, values: { id: "1", name: "Acme", code: "SNOW" } },
      { table: "t", rowNumber: 2, values: { id: "2", name: "Beta", code: "VBUC" } },
    ]);
  });

  it("takes a given delimiter over the detected one", async () => {
    const path = csv("given.csv", "a;b,c\n1;2,3\n");
    expect(await collect(readCsvFile(path, "t", { delimiter: "," }))).toEqual([
      { table: "t", rowNumber: 1, values: { "a;b": "1;2", c: "3" } },
    ]);
  });

  it("reads quoted fields with delimiters, newlines and doubled quotes, and CRLF", async () => {
    const path = csv("quoted.csv", 'id,text\r\n1,"a, b"\r\n2,"line one\r\nline two"\r\n3,"say ""hi"""\r\n');
    const rows = await collect(readCsvFile(path, "t"));
    expect(rows.map((r) => ("values" in r ? r.values.text : r.error))).toEqual([
      "a, b",
      "line one\r\nline two",
      'say "hi"',
    ]);
    expect(rows.map((r) => r.rowNumber)).toEqual([1, 2, 3]);
  });

  it("reads UTF-8 with a BOM, UTF-16 LE and UTF-16 BE by their BOM", async () => {
    const text = "id,owner\n1,Zoë Société\n2,株式会社\n";
    const expected = [
      { table: "t", rowNumber: 1, values: { id: "1", owner: "Zoë Société" } },
      { table: "t", rowNumber: 2, values: { id: "2", owner: "株式会社" } },
    ];
    expect(await collect(readCsvFile(csv("bom8.csv", `\ufeff${text}`), "t"))).toEqual(expected);
    expect(await collect(readCsvFile(csv("le.csv", utf16(text, "le")), "t"))).toEqual(expected);
    expect(await collect(readCsvFile(csv("be.csv", utf16(text, "be")), "t"))).toEqual(expected);
  });

  it("reads NULL and empty unquoted cells as null by default, quoted ones as text", async () => {
    const path = csv("nulls.csv", 'a,b,c,d\nNULL,,"NULL",""\n');
    expect(await collect(readCsvFile(path, "t"))).toEqual([
      { table: "t", rowNumber: 1, values: { a: null, b: null, c: "NULL", d: "" } },
    ]);
  });

  it("takes a configured NULL spelling", async () => {
    const path = csv("nulls-configured.csv", "a,b,c\n\\N,,NULL\n");
    expect(await collect(readCsvFile(path, "t", { nullValues: ["\\N"] }))).toEqual([
      { table: "t", rowNumber: 1, values: { a: null, b: "", c: "NULL" } },
    ]);
  });

  it("reports a row with the wrong number of fields and goes on", async () => {
    const path = csv("ragged.csv", "a,b\n1,2\n1,2,3\n4,5\n");
    const rows = await collect(readCsvFile(path, "t"));
    expect(rows).toEqual([
      { table: "t", rowNumber: 1, values: { a: "1", b: "2" } },
      { table: "t", rowNumber: 2, error: "line 3: 3 fields where the header has 2" },
      { table: "t", rowNumber: 3, values: { a: "4", b: "5" } },
    ]);
  });

  it("lets a reader stop early and read the file again", async () => {
    const path = csv("early.csv", `id\n${Array.from({ length: 10_000 }, (_, i) => i).join("\n")}\n`);
    for await (const record of readCsvFile(path, "t")) {
      expect(record.rowNumber).toBe(1);
      break;
    }
    expect(await collect(readCsvFile(path, "t"))).toHaveLength(10_000);
  });

  it("refuses bytes that are not UTF-8, a missing file and a header naming a column twice", async () => {
    await expect(
      collect(readCsvFile(csv("latin1.csv", Buffer.from([0x61, 0x0a, 0xe9, 0x0a])), "t")),
    ).rejects.toThrow(/is not valid utf-8/);
    await expect(collect(readCsvFile(`${scratch.path}/missing.csv`, "t"))).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(collect(readCsvFile(csv("dup.csv", "a,a\n1,2\n"), "t"))).rejects.toThrow(/names a twice/);
  });
});
