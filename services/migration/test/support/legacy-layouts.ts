// The three sources' tables as docs/migration.md documents them, filled from legacy-data.ts's facts
// with each source's own naming, shape and mess.
import {
  anyCase,
  customer,
  formatDate,
  type GeneratedTable,
  type LegacySourceName,
  type LicenseFacts,
  licenseFacts,
  person,
  pick,
  type Row,
  random,
  sloppy,
} from "./legacy-data.ts";

/** The tables of `source` with `rows` licenses; each table's rows can be iterated again, the same. */
export function legacyTables(source: LegacySourceName, rows: number, seed = 1): GeneratedTable[] {
  switch (source) {
    case "studio":
      return studioTables(rows, seed);
    case "vbuc-cli":
      return cliTables(rows, seed);
    case "vbuc-sales":
      return salesTables(rows, seed);
  }
}

/** Rows derived from the license facts, with a mess generator of their own (so facts never shift). */
function fromFacts(
  rows: number,
  seed: number,
  salt: number,
  make: (f: LicenseFacts, rng: () => number) => Row | null,
) {
  return function* (): Generator<Row> {
    const mess = random(seed * 7919 + salt);
    for (const facts of licenseFacts(rows, random(seed))) {
      const row = make(facts, mess);
      if (row !== null) yield row;
    }
  };
}

const orNull = <T>(rng: () => number, p: number, value: T): T | null => (rng() < p ? null : value);

// Snow Studio: SQL Server, PascalCase, one product per license, NULL written as NULL.
const STUDIO_PRODUCTS = [
  ["SNOW-SLM", "Snow License Manager"],
  ["SNOW-INV", "Snow Inventory"],
  ["SNOW-SAM", "Snow SAM Core"],
  ["SNOW-CLOUD", "Snow Cloud"],
] as const;
const STUDIO_DATES = [
  "yyyy-MM-dd HH:mm:ss.SSS",
  "yyyy-MM-dd HH:mm:ss.SSS",
  "yyyy-MM-dd HH:mm:ss",
  "M/d/yyyy h:mm:ss a",
];

function studioTables(rows: number, seed: number): GeneratedTable[] {
  const date = (rng: () => number, d: Date) => formatDate(d, pick(rng, STUDIO_DATES));
  return [
    {
      name: "Licenses",
      columns: [
        "LicenseId",
        "LicenseGuid",
        "ProductCode",
        "CustomerName",
        "ContactName",
        "ContactEmail",
        "CreatedBy",
        "OwnerIp",
        "ComputerName",
        "AssemblyVersion",
        "LicenseType",
        "UnitsType",
        "AccumulatedUnits",
        "UnitsPerExecution",
        "StartDate",
        "EndDate",
        "TimesDownloaded",
        "AvailableActivations",
        "Fingerprint",
        "ExecutionMode",
        "NotifyDays",
        "Restrictions",
        "CustomFeatures",
        "DateIssued",
        "LastExecutionDate",
      ],
      rows: fromFacts(rows, seed, 1, (f, rng) => {
        const owner = customer(rng, 0);
        const contact = person(rng, owner.domain);
        const guid =
          f.guid === null ? null : rng() < 0.3 ? `{${f.guid.toUpperCase()}}` : f.guid.toUpperCase();
        return {
          LicenseId: String(f.n),
          LicenseGuid: guid,
          ProductCode:
            f.defect === "unknown_product"
              ? "SNOW-LEGACY"
              : sloppy(rng, anyCase(rng, pick(rng, STUDIO_PRODUCTS)[0])),
          CustomerName: sloppy(rng, owner.company),
          ContactName: orNull(rng, 0.1, contact.name),
          ContactEmail: orNull(rng, 0.1, contact.email),
          CreatedBy: pick(rng, ["jsmith", "mlarsson", "SNOW\\svc-studio"]),
          OwnerIp: orNull(rng, 0.2, f.ip),
          ComputerName: f.host,
          AssemblyVersion: pick(rng, ["4.2.0.0", "4.5.1.0", "5.0.0.0"]),
          LicenseType:
            f.defect === "unknown_value"
              ? "Gold"
              : anyCase(rng, pick(rng, ["Standard", "Enterprise", "Trial", "NFR"])),
          UnitsType: orNull(rng, 0.2, pick(rng, ["Devices", "Users"])),
          AccumulatedUnits: String(f.units),
          UnitsPerExecution: String(f.perRun),
          StartDate: f.defect === "invalid_date" ? "2024-02-30" : date(rng, f.start),
          EndDate: f.end === null ? (rng() < 0.5 ? "0001-01-01 00:00:00.000" : null) : date(rng, f.end),
          TimesDownloaded: String(f.downloads),
          AvailableActivations: String(f.activations),
          Fingerprint: f.fingerprint,
          ExecutionMode: anyCase(rng, pick(rng, ["Scanning", "Migration"])),
          NotifyDays: f.notifyDays === null ? null : String(f.notifyDays),
          Restrictions: orNull(
            rng,
            0.5,
            `Devices=${pick(rng, [100, 500, 2000])};Region=${pick(rng, ["EMEA", "AMER", "APAC"])}`,
          ),
          CustomFeatures: orNull(rng, 0.5, pick(rng, ["Inventory", "Inventory,Metering", "Metering, Cloud"])),
          DateIssued: date(rng, f.issued),
          LastExecutionDate: f.lastRun === null ? null : date(rng, f.lastRun),
        };
      }),
    },
    {
      name: "Products",
      columns: ["ProductCode", "FriendlyName"],
      rows: () => STUDIO_PRODUCTS.map(([ProductCode, FriendlyName]) => ({ ProductCode, FriendlyName })),
    },
    {
      name: "LicenseUsage",
      columns: ["LicenseId", "ConsumedUnits", "LastUsedDate"],
      rows: fromFacts(rows, seed, 2, (f, rng) =>
        f.n % 7 === 0
          ? null
          : {
              LicenseId: String(f.n),
              ConsumedUnits: String(Math.floor(rng() * (f.units < 0 ? 100_000 : f.units))),
              LastUsedDate: f.lastRun === null ? null : date(rng, f.lastRun),
            },
      ),
    },
  ];
}

// VBUC CLI License Generator: MySQL, snake_case, product lists in one cell, the license file kept.
const CLI_PRODUCTS = [
  ["VBUC", "Visual Basic Upgrade Companion"],
  ["VBUC-ASP", "ASP to ASP.NET Migration"],
  ["VBUC-WEB", "VBUC Web Target"],
] as const;
const CLI_DATES = ["dd/MM/yyyy HH:mm:ss", "dd/MM/yyyy HH:mm:ss", "yyyy-MM-dd HH:mm:ss"];

function cliTables(rows: number, seed: number): GeneratedTable[] {
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
  ].join("\r\n");
}

// VBUC in the Sales Web Flow: a shop's tables; a license is an order item, the customer is the order's.
const SALES_SKUS = [
  ["VBUC-STD-100K", "vbuc", "VBUC Standard 100K lines"],
  ["VBUC-STD-500K", "vbuc", "VBUC Standard 500K lines"],
  ["VBUC-PRO-1M", "vbuc", "VBUC Professional 1M lines"],
  ["VBUC-ASP-ADDON", "vbuc-asp", "ASP.NET add-on"],
] as const;
const CUSTOMER_IDS = 67; // customer() draws from 7 known companies and 60 generated ones

function salesTables(rows: number, seed: number): GeneratedTable[] {
  const orderRng = (orderId: number) => random(seed * 104_729 + orderId);
  const salesDate = (rng: () => number, d: Date) => {
    const format = pick(rng, ["iso", "yyyy-MM-dd HH:mm:ss", "MM/dd/yyyy"]);
    return format === "iso"
      ? `${formatDate(d, "yyyy-MM-dd")}T${formatDate(d, "HH:mm:ss")}-08:00`
      : formatDate(d, format);
  };
  return [
    {
      name: "customers",
      columns: ["customer_id", "company_name", "contact_name", "email", "country"],
      rows: function* () {
        for (let id = 0; id < CUSTOMER_IDS; id++) {
          const rng = random(seed * 15_485_863 + id);
          // customer() picks by chance; ask until it gives this id's spelling (ids are small).
          let c = customer(rng, 2);
          while (c.id !== id) c = customer(rng, 2);
          const contact = person(rng, c.domain);
          yield {
            customer_id: String(1000 + id),
            company_name: sloppy(rng, c.company),
            contact_name: contact.name,
            email: orNull(rng, 0.05, contact.email),
            country: pick(rng, ["SE", "US", "CR", "DE", "FR", "JP"]),
          };
        }
      },
    },
    {
      name: "orders",
      columns: ["order_id", "customer_id", "order_date", "sales_rep", "client_ip"],
      rows: function* () {
        // An order's date is its first item's issue date: walk the facts, one order per two items.
        for (const f of licenseFacts(rows, random(seed))) {
          if (f.n % 2 === 0) continue;
          const orderId = (f.n + 1) / 2;
          const rng = orderRng(orderId);
          yield {
            order_id: String(50_000 + orderId),
            customer_id: String(1000 + Math.floor(rng() * CUSTOMER_IDS)),
            order_date: salesDate(rng, f.issued),
            sales_rep: orNull(rng, 0.5, pick(rng, ["kim@sales.example", "lee@sales.example"])),
            client_ip: orNull(rng, 0.2, f.ip),
          };
        }
      },
    },
    {
      name: "order_items",
      columns: [
        "item_id",
        "order_id",
        "license_key",
        "sku",
        "edition",
        "lines_purchased",
        "lines_per_execution",
        "start_date",
        "end_date",
        "download_count",
        "max_activations",
        "hardware_id",
        "execution_mode",
        "features",
        "last_execution",
      ],
      rows: fromFacts(rows, seed, 5, (f, rng) => ({
        item_id: String(f.n),
        order_id: String(50_000 + Math.ceil(f.n / 2)),
        license_key: f.guid,
        sku:
          f.defect === "unknown_product"
            ? "VBUC-LEGACY-99"
            : sloppy(rng, anyCase(rng, pick(rng, SALES_SKUS)[0])),
        edition:
          f.defect === "unknown_value"
            ? "Platinum"
            : pick(rng, ["Standard", "Professional", "Enterprise", "Trial"]),
        lines_purchased: String(f.units),
        lines_per_execution: orNull(rng, 0.3, String(f.perRun)),
        start_date: f.defect === "invalid_date" ? "02/30/2024" : salesDate(rng, f.start),
        end_date: f.end === null ? null : salesDate(rng, f.end),
        download_count: String(f.downloads),
        max_activations: String(f.activations),
        hardware_id: f.fingerprint,
        execution_mode: pick(rng, ["Migration", "Assessment", "migration"]),
        features: orNull(rng, 0.5, "CSharp"),
        last_execution: f.lastRun === null ? null : salesDate(rng, f.lastRun),
      })),
    },
    {
      name: "skus",
      columns: ["sku", "product_code", "product_name"],
      rows: () =>
        SALES_SKUS.map(([sku, product_code, product_name]) => ({ sku, product_code, product_name })),
    },
    {
      name: "license_usage",
      columns: ["license_key", "lines_used", "last_used_at"],
      rows: fromFacts(rows, seed, 6, (f, rng) =>
        f.guid === null || f.defect === "duplicate_guid" || f.n % 7 === 0
          ? null
          : {
              license_key: f.guid,
              lines_used: String(Math.floor(rng() * (f.units < 0 ? 1_000_000 : f.units))),
              last_used_at: f.lastRun === null ? null : salesDate(rng, f.lastRun),
            },
      ),
    },
  ];
}
