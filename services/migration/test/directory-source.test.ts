import { afterAll, describe, expect, it } from "vitest";
import { openSource } from "../src/sources/index.ts";
import { collect, scratchDirectory, writeBytes } from "./support/files.ts";

const scratch = scratchDirectory();
afterAll(() => scratch.remove());

describe("directory source", () => {
  it("reads each table from its own export, CSV or JSON Lines, with the CSV options given", async () => {
    writeBytes(scratch.path, "licenses.csv", "id;owner\n1;\\N\n");
    writeBytes(scratch.path, "usage.jsonl", '{"id":"1","units":5}\n');
    const source = await openSource(scratch.path, { nullValues: ["\\N"] });
    expect(await collect(source.read("licenses"))).toEqual([
      { table: "licenses", rowNumber: 1, values: { id: "1", owner: null } },
    ]);
    expect(await collect(source.read("usage"))).toEqual([
      { table: "usage", rowNumber: 1, values: { id: "1", units: "5" }, partial: true },
    ]);
    await source.close();
  });

  it("refuses a table exported twice, a table not exported, and a directory that is not there", async () => {
    writeBytes(scratch.path, "both.csv", "id\n1\n");
    writeBytes(scratch.path, "both.jsonl", '{"id":1}\n');
    const source = await openSource(scratch.path);
    expect(() => source.read("both")).toThrow(expect.objectContaining({ code: "conflict" }));
    expect(() => source.read("missing")).toThrow(expect.objectContaining({ code: "not_found" }));
    await expect(openSource(`${scratch.path}/nope`)).rejects.toMatchObject({ code: "not_found" });
  });
});
