import { AppError } from "@licensing/contracts";
import { describe, expect, it } from "vitest";
import { DEFAULT_SOURCES, loadDefaultMapping, loadMappingFile, parseMapping } from "../src/mapping/index.ts";

const valid = `version: 1
source: test
main: { table: licenses, key: id }
joins:
  - { table: products, key: code, on: licenses.product }
dates:
  formats: ["yyyy-MM-dd"]
fields:
  guid: licenses.guid
  dateIssued: licenses.issued
  products: { column: licenses.product, map: products }
  ownerCompany: licenses.company
  startDate: licenses.start
  notifyDays: { default: 30 }
valueMaps:
  products: { A: a }
`;

/** The issues of the AppError a mapping text is refused with. */
function issuesOf(text: string): { path: string; message: string }[] {
  try {
    parseMapping(text, "test.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("validation_failed");
    expect((error as AppError).message).toMatch(/^Invalid mapping file test\.yaml: /);
    return (error as AppError).details!.issues!;
  }
  throw new Error("the mapping was accepted");
}

describe("mapping files", () => {
  it("accepts a valid file, with shorthand columns and defaults", () => {
    const mapping = parseMapping(valid);
    expect(mapping.fields.guid).toEqual({ column: "licenses.guid" });
    expect(mapping.dates.timeZone).toBe("UTC");
    expect(mapping.joins).toHaveLength(1);
  });

  it.each(DEFAULT_SOURCES)("ships a valid default mapping for %s", async (source) => {
    expect((await loadDefaultMapping(source)).source).toBe(source);
  });

  it("names the path and line of a schema error", () => {
    const text = valid.replace("version: 1", "version: 2").replace("key: id }", 'key: "" }');
    expect(issuesOf(text)).toEqual([
      { path: "version (line 1)", message: expect.stringMatching(/1/) },
      { path: "main.key (line 3)", message: expect.any(String) },
    ]);
  });

  it("names unknown members and fields, and bad column references", () => {
    const text = `${valid.replace("  guid: licenses.guid", "  guid: guid\n  colour: licenses.colour")}extra: true\n`;
    const issues = issuesOf(text);
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(["fields.guid.column (line 9)", "(top level) (line 1)"]),
    );
    expect(issues.find((i) => i.path.startsWith("fields.guid"))?.message).toBe(
      "a column is written table.column",
    );
    expect(issues.find((i) => i.path.startsWith("(top level)"))?.message).toMatch(/extra/);
  });

  it("checks what the schema alone cannot: tables, maps, formats, zones, kinds, required fields", () => {
    const text = `version: 1
source: test
main: { table: licenses, key: id }
joins:
  - { table: usage, key: license_id, on: orders.id }
dates:
  formats: ["yyyy-MM", "dd/MM/yyyy"]
  timeZone: Mars/Olympus
fields:
  guid: { column: licenses.guid, map: nope }
  dateIssued: { column: other.issued, formats: ["h:mm yyyy-MM-dd"] }
  products: { column: licenses.product, map: products }
  colour: licenses.colour
  notifyDays: { default: soon }
  startDate: { split: "," }
valueMaps:
  products: { A: a, " a ": b }
`;
    expect(issuesOf(text)).toEqual([
      { path: "joins.0.on (line 5)", message: "orders is not the main table or an earlier join" },
      { path: "dates.formats.0 (line 7)", message: "a date format needs yyyy, M or MM, and d or dd" },
      { path: "dates.timeZone (line 8)", message: "Mars/Olympus is not an IANA time zone" },
      { path: "valueMaps.products. a  (line 17)", message: "the same value as A (case and spaces aside)" },
      { path: "fields.guid.map (line 10)", message: "no value map named nope under valueMaps" },
      { path: "fields.guid.map (line 10)", message: "guid is not a code or a list" },
      { path: "fields.dateIssued.column (line 11)", message: "other is not the main table or a join" },
      {
        path: "fields.dateIssued.formats.0 (line 11)",
        message: "h and hh (12-hour clock) go with a (AM/PM), and only with it",
      },
      { path: "fields.colour (line 13)", message: expect.stringMatching(/^not a license field/) },
      { path: "fields.notifyDays.default (line 14)", message: "notifyDays takes a whole number" },
      { path: "fields.startDate (line 15)", message: "give a column, a default, or both" },
      { path: "fields.startDate.split (line 15)", message: "startDate is not a list" },
      { path: "fields (line 10)", message: "ownerCompany is required and not mapped" },
    ]);
  });

  it("reports YAML syntax errors with their line", () => {
    expect(issuesOf("version: 1\nsource: [unclosed\n")[0]?.path).toMatch(/^line \d/);
    expect(issuesOf("version: 1\nversion: 1\n")[0]?.message).toMatch(/unique|duplicate/i);
  });

  it("says a missing file is not found", async () => {
    await expect(loadMappingFile("/nonexistent/mapping.yaml")).rejects.toMatchObject({ code: "not_found" });
  });
});
