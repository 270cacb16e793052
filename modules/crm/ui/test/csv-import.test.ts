import type { ImportAccountsResponse } from "@licensing/contracts";
import { describe, expect, it } from "vitest";
import { chunkCsv, splitCsv } from "../src/accounts/csv-chunks.ts";
import { ImportStopped, markRepeatedIds, rejectedRowsCsv, runImport } from "../src/accounts/import-runner.ts";

describe("splitting a CRM export", () => {
  it("numbers rows as the catalog does, keeps quoted line breaks in their record, skips empty lines", () => {
    const csv =
      '\uFEFFexternal id;name;notes\r\nA1;Acme;"two\r\nlines"\r\n\r\nA2;"Globex; Inc";\nA3;Initech;"say ""hi"""';
    const split = splitCsv(csv);
    expect(split.header).toBe("external id;name;notes");
    expect(split.records).toEqual([
      { row: 2, text: 'A1;Acme;"two\r\nlines"' },
      { row: 3, text: 'A2;"Globex; Inc";' },
      { row: 4, text: 'A3;Initech;"say ""hi"""' },
    ]);
  });

  it("cuts records into chunks that each carry the header", () => {
    const split = splitCsv(["id,name", ...Array.from({ length: 5 }, (_, i) => `E${i},Name ${i}`)].join("\n"));
    const chunks = chunkCsv(split, 2);
    expect(chunks.map((c) => c.rows)).toEqual([[2, 3], [4, 5], [6]]);
    expect(chunks[2]?.csv).toBe("id,name\nE4,Name 4");
    expect(chunkCsv(split, 100, 30).map((c) => c.rows.length)).toEqual([2, 2, 1]);
  });
});

/** A stand-in for the catalog's import that reads `id,name` rows: a row named "bad" is rejected. */
function catalogLike(existing = new Set<string>()) {
  const sent: string[] = [];
  const send = async (csv: string, dryRun: boolean): Promise<ImportAccountsResponse> => {
    sent.push(csv);
    const rows = csv
      .split("\n")
      .slice(1)
      .map((line, index) => {
        const [externalId = "", name = ""] = line.split(",");
        const row = index + 2;
        if (name === "bad")
          return { row, externalId, name, outcome: "rejected" as const, reason: "bad name" };
        const outcome = existing.has(externalId) ? ("unchanged" as const) : ("created" as const);
        if (!dryRun) existing.add(externalId);
        return { row, externalId, name, outcome };
      });
    const count = (o: string) => rows.filter((r) => r.outcome === o).length;
    return {
      dryRun,
      created: count("created"),
      updated: 0,
      unchanged: count("unchanged"),
      rejected: count("rejected"),
      rows,
    };
  };
  return { send, sent };
}

describe("importing chunk by chunk", () => {
  const file = splitCsv("id,name\nA,Acme\nB,bad\nC,Globex\nA,Acme again\nD,Initech");

  it("merges the chunks' answers with the file's row numbers, and reports progress", async () => {
    const catalog = catalogLike();
    const progress: [number, number][] = [];
    const report = await runImport({
      split: file,
      dryRun: true,
      send: catalog.send,
      chunkRows: 2,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(catalog.sent).toHaveLength(3);
    expect(report.rows.map((r) => [r.row, r.outcome])).toEqual([
      [2, "created"],
      [3, "rejected"],
      [4, "created"],
      [5, "created"],
      [6, "created"],
    ]);
    expect(progress).toEqual([
      [0, 5],
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
  });

  it("rejects an external id repeated across chunks, as the catalog does within one, and leaves it out", async () => {
    const preview = markRepeatedIds(
      await runImport({ split: file, dryRun: true, send: catalogLike().send, chunkRows: 2 }),
    );
    expect(preview.report.rows[3]).toMatchObject({
      row: 5,
      outcome: "rejected",
      reason: "external id A already appears in row 2",
    });
    expect(preview.report).toMatchObject({ created: 3, rejected: 2 });

    const catalog = catalogLike();
    const report = await runImport({
      split: file,
      dryRun: false,
      send: catalog.send,
      excluded: preview.repeated,
      chunkRows: 2,
    });
    expect(catalog.sent.join("\n")).not.toContain("Acme again");
    expect(report).toMatchObject({ dryRun: false, created: 3, rejected: 2 });
    expect(report.rows.map((r) => r.row)).toEqual([2, 3, 4, 5, 6]);
  });

  it("stops at a failing chunk and keeps what the earlier chunks did", async () => {
    const catalog = catalogLike();
    let calls = 0;
    const error = await runImport({
      split: file,
      dryRun: false,
      chunkRows: 2,
      send: (csv, dryRun) =>
        ++calls === 2 ? Promise.reject(new Error("gateway gone")) : catalog.send(csv, dryRun),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportStopped);
    expect((error as ImportStopped).message).toBe("gateway gone");
    expect((error as ImportStopped).report.rows.map((r) => r.row)).toEqual([2, 3]);
  });
});

describe("the rejected rows' download", () => {
  it("lists each rejected row with its reason and the row as the file had it, in cells a spreadsheet reads safely", async () => {
    const split = splitCsv('id;name\nA1;Acme\nB2;=cmd()\nC3;"Globex, ""Intl"""');
    const report: ImportAccountsResponse = {
      dryRun: true,
      created: 1,
      updated: 0,
      unchanged: 0,
      rejected: 2,
      rows: [
        { row: 2, externalId: "A1", name: "Acme", outcome: "created" },
        { row: 3, externalId: "B2", name: "=cmd()", outcome: "rejected", reason: "name: not allowed" },
        { row: 4, externalId: "C3", name: 'Globex, "Intl"', outcome: "rejected", reason: "country XX1" },
      ],
    };
    expect(rejectedRowsCsv(report, split)).toBe(
      "\uFEFFRow,External id,Name,Reason,Row as in the file\r\n" +
        "3,B2,'=cmd(),name: not allowed,B2;=cmd()\r\n" +
        '4,C3,"Globex, ""Intl""",country XX1,"C3;""Globex, """"Intl"""""""\r\n',
    );
  });
});
