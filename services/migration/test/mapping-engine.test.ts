// The engine's rules on small hand-written sources: joins, conversions, time zones, issues.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type MappingResult, mapSource, parseMapping } from "../src/mapping/index.ts";
import { openDirectorySource } from "../src/sources/index.ts";
import { scratchDirectory } from "./support/files.ts";

const scratch = scratchDirectory();
afterAll(() => scratch.remove());

let next = 0;

/** Maps files (name → CSV text) with a mapping text; every result, in order. */
async function mapFiles(files: Record<string, string>, mappingText: string): Promise<MappingResult[]> {
  const directory = join(scratch.path, `case${++next}`);
  mkdirSync(directory);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
  const results: MappingResult[] = [];
  for await (const result of mapSource(openDirectorySource(directory), parseMapping(mappingText)))
    results.push(result);
  return results;
}

const mapping = (extra = "", timeZone = "UTC") => `version: 1
source: shop
main: { table: items, key: id }
joins:
  - { table: orders, key: order_id, on: items.order_id }
  - { table: customers, key: customer_id, on: orders.customer_id }
dates:
  formats: ["dd.MM.yyyy HH:mm", "yyyy-MM-dd", iso]
  timeZone: ${timeZone}
fields:
  guid: items.key
  dateIssued: orders.placed
  products: { column: items.product, map: products, split: "+" }
  ownerCompany: customers.name
  startDate: items.start
  endDate: items.end
  accumulatedUnits: { column: items.units, default: -1 }
  notifyDays: items.notify
  licenseType: { column: items.type, map: types, default: commercial }
  friendlyRestrictions: { column: items.limits, split: ";", pair: "=" }
${extra}
valueMaps:
  products: { "VBUC ": vbuc, asp: vbuc-asp }
  types: { Trial: trial }
`;

const GUID1 = "11111111-2222-4333-8444-555555555555";
const GUID2 = "{AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE}";

describe("mapping engine", () => {
  it("follows chained joins, keys compared trimmed and in any case", async () => {
    const results = await mapFiles(
      {
        "items.csv": `id,order_id,key,product,start,end,units,notify,type,limits\n1, o-7 ,${GUID1},vbuc+ASP ,2024-01-31,,,30, trial ,Users=5; Region = EU;Users=9\n`,
        "orders.csv": "order_id,customer_id,placed\nO-7,C1,31.01.2024 10:30\n",
        "customers.csv": "customer_id,name\nc1,  Acme Corp  \n",
      },
      mapping(),
    );
    expect(results).toEqual([
      {
        ok: true,
        license: expect.objectContaining({
          source: "shop",
          legacyId: "1",
          guid: GUID1,
          dateIssued: "2024-01-31T10:30:00.000Z",
          products: ["vbuc", "vbuc-asp"],
          ownerCompany: "Acme Corp",
          startDate: "2024-01-31T00:00:00.000Z",
          endDate: null,
          accumulatedUnits: -1,
          notifyDays: 30,
          licenseType: "trial",
          friendlyRestrictions: [
            { key: "Users", value: "5" },
            { key: "Region", value: "EU" },
          ],
          executionModes: [],
        }),
      },
    ]);
  });

  it("reads wall-clock times in the mapping's zone, an ISO offset as given, DateTime.MinValue as no date", async () => {
    const results = await mapFiles(
      {
        "items.csv": `id,order_id,key,product,start,end,units,notify,type,limits\n1,o1,${GUID1},vbuc,2024-07-01,0001-01-01T00:00:00,,,,\n2,o2,${GUID2},vbuc,2024-01-15,2025-01-01T00:00:00+02:00,,,,\n`,
        "orders.csv": "order_id,customer_id,placed\no1,c1,01.07.2024 12:00\no2,c1,15.01.2024 12:00\n",
        "customers.csv": "customer_id,name\nc1,Acme\n",
      },
      mapping("", "Europe/Stockholm"),
    );
    const licenses = results.map((r) => (r.ok ? r.license : null));
    expect(licenses.map((l) => [l?.dateIssued, l?.startDate, l?.endDate])).toEqual([
      ["2024-07-01T10:00:00.000Z", "2024-06-30T22:00:00.000Z", null],
      ["2024-01-15T11:00:00.000Z", "2024-01-14T23:00:00.000Z", "2024-12-31T22:00:00.000Z"],
    ]);
  });

  it("reports every problem of a row, each with its table, row and column", async () => {
    const results = await mapFiles(
      {
        "items.csv": `id,order_id,key,product,start,end,units,notify,type,limits\n1,o1,not-a-guid,vbuc+EXCEL,2024-02-30,2023-01-01,lots,9999,Gold,\n2,o-missing,${GUID1},vbuc,2024-01-01,2023-12-31,-2,,,\n,o1,${GUID1.toUpperCase()},vbuc,2024-01-01,,,,,\n`,
        "orders.csv": "order_id,customer_id,placed\no1,c1,2024-01-01\n",
        "customers.csv": "customer_id,name\nc1,Acme\n",
      },
      mapping(),
    );
    const reasons = results.map((r) =>
      r.ok ? "ok" : r.issues.map((i) => `${i.table}.${i.column}:${i.reason}`),
    );
    expect(reasons).toEqual([
      // field by field in the model's order, then the checks across fields
      [
        "items.product:unknown_product",
        "items.type:unknown_value",
        "items.units:invalid_number",
        "items.start:invalid_date",
        "items.notify:invalid_number",
        "items.key:invalid_guid",
      ],
      [
        "orders.placed:missing_required",
        "customers.name:missing_required",
        "items.units:invalid_number",
        "items.end:end_before_start",
      ],
      ["items.id:missing_required", "items.key:duplicate_guid"],
    ]);
    expect(results[2]).toMatchObject({ ok: false, row: 3, legacyId: null });
  });

  it("reports a joined table's repeated key and unreadable rows, keeping the first row", async () => {
    const results = await mapFiles(
      {
        "items.csv": `id,order_id,key,product,start,end,units,notify,type,limits\n1,o1,${GUID1},vbuc,2024-01-01,,,,,\n`,
        "orders.csv": "order_id,customer_id,placed\no1,c1,2024-01-01\nO1 ,c2,2024-01-01\no3,c1\n",
        "customers.csv": "customer_id,name\nc1,Acme\nc2,Globex\n",
      },
      mapping(),
    );
    expect(results).toEqual([
      {
        ok: false,
        table: "orders",
        row: 2,
        legacyId: null,
        issues: [
          {
            table: "orders",
            row: 2,
            column: "order_id",
            reason: "duplicate_key",
            message: "order_id O1  is also row 1; row 1 is used",
          },
        ],
      },
      expect.objectContaining({
        ok: false,
        table: "orders",
        row: 3,
        issues: [expect.objectContaining({ reason: "unreadable_row" })],
      }),
      { ok: true, license: expect.objectContaining({ ownerCompany: "Acme" }) },
    ]);
  });
});

describe("mapping engine over JSON Lines", () => {
  it("takes a member an object leaves out as NULL", async () => {
    const results = await mapFiles(
      {
        "items.jsonl": `{"id":1,"order_id":"o1","key":"${GUID1}","product":"vbuc","start":"2024-01-01"}\n`,
        "orders.jsonl": '{"order_id":"o1","customer_id":"c1","placed":"2024-01-01"}\n',
        "customers.jsonl": '{"customer_id":"c1","name":"Acme"}\n',
      },
      mapping(),
    );
    expect(results).toEqual([
      {
        ok: true,
        license: expect.objectContaining({ endDate: null, accumulatedUnits: -1, licenseType: "commercial" }),
      },
    ]);
  });
});
