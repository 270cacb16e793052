// Snow Studio: SQL Server, PascalCase, one product per license, NULL written as NULL.
import { anyCase, customer, formatDate, type GeneratedTable, person, pick, sloppy } from "../legacy-data.ts";
import { fromFacts, orNull } from "./from-facts.ts";

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

export function studioTables(rows: number, seed: number): GeneratedTable[] {
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
