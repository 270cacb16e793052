// VBUC CLI License Generator: MySQL, snake_case, product lists in one cell, the license file kept.
import {
  anyCase,
  customer,
  formatDate,
  type GeneratedTable,
  type LicenseFacts,
  person,
  pick,
  sloppy,
} from "../legacy-data.ts";
import { fromFacts, orNull } from "./from-facts.ts";

const CLI_PRODUCTS = [
  ["VBUC", "Visual Basic Upgrade Companion"],
  ["VBUC-ASP", "ASP to ASP.NET Migration"],
  ["VBUC-WEB", "VBUC Web Target"],
] as const;
const CLI_DATES = ["dd/MM/yyyy HH:mm:ss", "dd/MM/yyyy HH:mm:ss", "yyyy-MM-dd HH:mm:ss"];

export function cliTables(rows: number, seed: number): GeneratedTable[] {
  const date = (rng: () => number, d: Date) => formatDate(d, pick(rng, CLI_DATES));
  return [
    {
      name: "generated_licenses",
      columns: [
        "id",
        "license_guid",
        "product_codes",
        "product_names",
        "company",
        "contact_name",
        "contact_email",
        "generated_by",
        "generated_on_host",
        "requester_ip",
        "lib_version",
        "license_type",
        "units_type",
        "total_units",
        "units_per_run",
        "valid_from",
        "valid_to",
        "download_count",
        "activations",
        "machine_fingerprint",
        "mode",
        "notify_days",
        "restrictions",
        "features",
        "license_file",
        "generated_at",
        "last_run",
      ],
      rows: fromFacts(rows, seed, 3, (f, rng) => {
        const owner = customer(rng, 1);
        const contact = person(rng, owner.domain);
        const products =
          rng() < 0.6 ? [CLI_PRODUCTS[0]] : [CLI_PRODUCTS[0], pick(rng, CLI_PRODUCTS.slice(1))];
        const codes = products.map(([code]) => sloppy(rng, anyCase(rng, code)));
        if (f.defect === "unknown_product") codes.push("VBUC-OLD");
        const type =
          f.defect === "unknown_value" ? "BETA" : pick(rng, ["PROD", "PRODUCTION", "TRIAL", "EVAL", "NFR"]);
        return {
          id: String(f.n),
          license_guid: f.guid,
          product_codes: codes.join("|"),
          product_names: products.map(([, name]) => name).join("|"),
          company: sloppy(rng, owner.company),
          contact_name: orNull(rng, 0.1, contact.name),
          contact_email: orNull(rng, 0.1, contact.email),
          generated_by: pick(rng, ["rvargas", "lmora", "ci-bot"]),
          generated_on_host: f.host,
          requester_ip: orNull(rng, 0.3, f.ip),
          lib_version: pick(rng, ["3.1.0", "3.2.4"]),
          license_type: type,
          units_type: orNull(rng, 0.2, pick(rng, ["LINES", "LOC", "FILES"])),
          total_units: String(f.units),
          units_per_run: String(f.perRun),
          valid_from: f.defect === "invalid_date" ? "30/02/2024" : formatDate(f.start, "dd/MM/yyyy"),
          valid_to: f.end === null ? null : formatDate(f.end, "dd/MM/yyyy"),
          download_count: String(f.downloads),
          activations: String(f.activations),
          machine_fingerprint: f.fingerprint,
          mode: pick(rng, ["migrate", "scan,migrate", "assess", "MIGRATE "]),
          notify_days: f.notifyDays === null ? null : String(f.notifyDays),
          restrictions: orNull(
            rng,
            0.5,
            `Max projects: ${pick(rng, [1, 5, 20])}; Target: ${pick(rng, [".NET 8", ".NET Framework 4.8"])}`,
          ),
          features: orNull(rng, 0.4, pick(rng, ["CSharp", "CSharp,VB.NET", "CSharp,ASP"])),
          license_file: cliLicenseFile(f, owner.company, type),
          generated_at: date(rng, f.issued),
          last_run: f.lastRun === null ? null : date(rng, f.lastRun),
        };
      }),
    },
    {
      name: "usage_counters",
      columns: ["license_id", "consumed_lines", "last_used"],
      rows: fromFacts(rows, seed, 4, (f, rng) =>
        f.n % 7 === 0
          ? null
          : {
              license_id: String(f.n),
              consumed_lines: String(Math.floor(rng() * (f.units < 0 ? 1_000_000 : f.units))),
              last_used: f.lastRun === null ? null : date(rng, f.lastRun),
            },
      ),
    },
  ];
}

/** The XML the old generator stored: several lines, quotes, the kind of text CSV must quote. */
function cliLicenseFile(f: LicenseFacts, company: string, type: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<License Guid="${f.guid ?? ""}" Type="${type}">`,
    `  <Owner Company="${company.replace(/&/g, "&amp;").replace(/"/g, "&quot;")}" />`,
    `  <Units>${f.units}</Units>`,
    `  <Signature>${Buffer.from(`sig-${f.n}`).toString("base64")}</Signature>`,
    "</License>",
    "", // XML writers end the file with a line break: kept, like every byte of it
  ].join("\r\n");
}
