// Each default mapping over generated exports of its layout: every planted defect is found with its
// reason, and every other row (dates in several formats, NULLs, trailing spaces, product codes in any
// case, three spellings of a customer) maps to a license.
import { mkdirSync, writeFileSync } from "node:fs";
import mysql from "mysql2/promise";
import { afterAll, describe, expect, it } from "vitest";
import {
  DEFAULT_SOURCES,
  type IssueReason,
  type LegacyLicense,
  loadDefaultMapping,
  type MappingFile,
  type MappingResult,
  mapSource,
} from "../src/mapping/index.ts";
import { type LegacySource, openSource } from "../src/sources/index.ts";
import { type ExportFormat, writeLegacyDatabase, writeLegacyExport } from "./support/export-writers.ts";
import { scratchDirectory } from "./support/files.ts";
import { expectedOutcome, type LegacySourceName } from "./support/legacy-data.ts";
import { legacyDatabaseName, MARIADB_SERVER } from "./support/mariadb.ts";

const ROWS = 600;
const scratch = scratchDirectory();
afterAll(() => scratch.remove());

interface Outcome {
  valid: number;
  invalid: Partial<Record<IssueReason, number>>;
  licenses: LegacyLicense[];
  results: MappingResult[];
}

async function run(source: LegacySource, mapping: MappingFile): Promise<Outcome> {
  const outcome: Outcome = { valid: 0, invalid: {}, licenses: [], results: [] };
  try {
    for await (const result of mapSource(source, mapping)) {
      outcome.results.push(result);
      if (result.ok) {
        outcome.valid += 1;
        outcome.licenses.push(result.license);
      } else {
        for (const issue of result.issues)
          outcome.invalid[issue.reason] = (outcome.invalid[issue.reason] ?? 0) + 1;
      }
    }
  } finally {
    await source.close();
  }
  return outcome;
}

const exports = new Map<string, Promise<string>>();

/** Generates each source's export once per format (tests share it), then maps it afresh. */
async function fromExport(name: LegacySourceName, format: ExportFormat): Promise<Outcome> {
  const directory = `${scratch.path}/${name}-${format}`;
  if (!exports.has(directory)) {
    exports.set(
      directory,
      (async () => {
        mkdirSync(directory);
        await writeLegacyExport(directory, name, { rows: ROWS, seed: 7, format });
        return directory;
      })(),
    );
  }
  await exports.get(directory);
  const mapping = await loadDefaultMapping(name);
  return run(await openSource(directory, mapping.csv), mapping);
}

const cases: [LegacySourceName, ExportFormat][] = [
  ["studio", "csv"],
  ["studio", "utf16"],
  ["vbuc-cli", "csv"],
  ["vbuc-cli", "jsonl"],
  ["vbuc-sales", "csv"],
  ["vbuc-sales", "utf16"],
];

describe("default mappings over generated exports", () => {
  it.each(cases)("%s as %s: the planted defects are the only invalid rows", async (name, format) => {
    const outcome = await fromExport(name, format);
    const expected = expectedOutcome(ROWS);
    expect(outcome.valid).toBe(expected.valid);
    expect(outcome.invalid).toEqual(expected.invalid);
    // One result per license row, each invalid one with a single issue naming its row and column.
    expect(outcome.results).toHaveLength(ROWS);
    for (const result of outcome.results) {
      if (!result.ok)
        expect(result.issues).toEqual([
          expect.objectContaining({ row: result.row, column: expect.any(String) }),
        ]);
    }
    for (const license of outcome.licenses) {
      expect(license.source).toBe(name);
      expect(license.products.length).toBeGreaterThan(0);
      expect(license.products.every((p) => /^[a-z-]+$/.test(p))).toBe(true); // mapped from any case and spacing
      expect(license.ownerCompany).toBe(license.ownerCompany.trim());
      expect(license.startDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      if (license.endDate !== null) expect(license.endDate >= license.startDate).toBe(true);
    }
  });

  it("reads the same licenses from CSV and UTF-16 exports", async () => {
    const csv = await fromExport("studio", "csv");
    const utf16 = await fromExport("studio", "utf16");
    expect(utf16.licenses).toEqual(csv.licenses);
  });

  it("names each reason with its table, row, column and a message", async () => {
    const outcome = await fromExport("studio", "csv");
    const issues = outcome.results.flatMap((r) => (r.ok ? [] : r.issues));
    expect(issues.filter((i) => i.row <= 50)).toEqual([
      {
        table: "Licenses",
        row: 7,
        column: "ProductCode",
        reason: "unknown_product",
        message: "products: SNOW-LEGACY is not in value map products",
        value: "SNOW-LEGACY",
      },
      expect.objectContaining({ row: 13, column: "EndDate", reason: "end_before_start" }),
      expect.objectContaining({
        row: 21,
        column: "LicenseGuid",
        reason: "duplicate_guid",
        message: expect.stringMatching(/also row 20$/),
      }),
      {
        table: "Licenses",
        row: 33,
        column: "StartDate",
        reason: "invalid_date",
        message: "startDate: 2024-02-30 matches none of the formats",
      },
      {
        table: "Licenses",
        row: 41,
        column: "LicenseGuid",
        reason: "missing_required",
        message: "guid: no value",
      },
      expect.objectContaining({ row: 45, column: "LicenseType", reason: "unknown_value" }),
    ]);
  });

  it("maps Studio's row 1 field by field", async () => {
    const { licenses } = await fromExport("studio", "csv");
    const first = licenses.find((l) => l.legacyId === "1")!;
    expect(first).toMatchObject({
      source: "studio",
      table: "Licenses",
      row: 1,
      guid: expect.stringMatching(/^\{?[0-9A-F-]{36}\}?$/),
      products: [expect.stringMatching(/^snow-/)],
      productFriendlyNames: [expect.stringMatching(/^Snow /)],
      executionModes: [expect.stringMatching(/^(scanning|migration)$/)],
      licenseType: expect.stringMatching(/^(commercial|trial|not-for-resale)$/),
      consumedAccumulatedUnits: expect.any(Number),
    });
  });

  it("keeps the CLI generator's license file text as it was", async () => {
    const { licenses } = await fromExport("vbuc-cli", "csv");
    for (const license of licenses) {
      expect(license.licenseFile).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\r\n<License Guid="/);
      expect(license.licenseFile).toContain(`Guid="${license.guid}"`);
      expect(license.licenseFile).toMatch(/<\/License>\r\n$/);
    }
  });

  it("reads open-ended licenses (NULL or DateTime.MinValue) as a null end date", async () => {
    const { licenses } = await fromExport("studio", "csv");
    expect(licenses.some((l) => l.endDate === null)).toBe(true);
  });

  it("spells the same customer three ways across the sources", async () => {
    const companies = await Promise.all(
      DEFAULT_SOURCES.map(
        async (name) => new Set((await fromExport(name, "jsonl")).licenses.map((l) => l.ownerCompany)),
      ),
    );
    expect(companies[0]!.has("Acme Corporation")).toBe(true);
    expect(companies[1]!.has("ACME Corp.")).toBe(true);
    expect(companies[2]!.has("Acme Corp")).toBe(true);
  });

  it("stops with the column a source lacks, naming the table", async () => {
    const directory = `${scratch.path}/lacking`;
    mkdirSync(directory);
    writeFileSync(`${directory}/generated_licenses.csv`, "id;license_guid\n1;x\n");
    writeFileSync(`${directory}/usage_counters.csv`, "license_id;consumed_lines;last_used\n");
    const mapping = await loadDefaultMapping("vbuc-cli");
    await expect(run(await openSource(directory, mapping.csv), mapping)).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(
        /^generated_licenses has no column .*product_codes.*: fix the mapping\.$/,
      ),
    });
  });
});

describe("default mapping over a live MariaDB", () => {
  const server = MARIADB_SERVER;
  const database = legacyDatabaseName();

  afterAll(async () => {
    const admin = await mysql.createConnection(`${server}/`);
    await admin.query(`drop database if exists ${database}`);
    await admin.end();
  });

  it("maps the Sales Web Flow read from its database like its exports", async () => {
    const admin = await mysql.createConnection(`${server}/`);
    await admin.query(`create database ${database} character set utf8mb4`);
    await admin.end();
    await writeLegacyDatabase(`${server}/${database}`, "vbuc-sales", { rows: ROWS, seed: 7 });
    const mapping = await loadDefaultMapping("vbuc-sales");
    const live = await run(await openSource(`${server}/${database}`), mapping);
    const exported = await fromExport("vbuc-sales", "csv");
    expect(live.valid).toBe(expectedOutcome(ROWS).valid);
    expect(live.invalid).toEqual(expectedOutcome(ROWS).invalid);
    expect(live.licenses).toEqual(exported.licenses);
  });
});
