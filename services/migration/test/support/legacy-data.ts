// Realistic legacy data for the three sources' layouts (docs/migration.md), with the mess real data
// has. Everything is seeded, so a seed gives the same bytes every time. Rows are made one at a time
// (generators), so writers can stream any number of them.
//
// The defects that make a row invalid are planted by row number (plannedDefect), not by chance, so a
// test can say how many of each reason the engine must find. The rest of the mess (date formats,
// NULLs, trailing spaces, product code case, three spellings of each customer) is seeded and must
// all map cleanly.
import type { IssueReason } from "../../src/mapping/index.ts";

export const LEGACY_SOURCES = ["studio", "vbuc-cli", "vbuc-sales"] as const;
export type LegacySourceName = (typeof LEGACY_SOURCES)[number];

export type Row = Record<string, string | null>;

/** One table of a source's layout: its name, its columns in order, and its rows. */
export interface GeneratedTable {
  name: string;
  columns: readonly string[];
  rows: () => Iterable<Row>;
}

/** The defect planted in license row `n` (1-based), if any: 12 rows in 100, one reason each. */
export function plannedDefect(n: number): IssueReason | null {
  switch (n % 50) {
    case 7:
      return "unknown_product";
    case 13:
      return "end_before_start";
    case 21:
      return "duplicate_guid";
    case 33:
      return "invalid_date";
    case 41:
      return "missing_required";
    case 45:
      return "unknown_value";
    default:
      return null;
  }
}

/** How many license rows of `rows` the engine must find valid, and how many invalid for each reason. */
export function expectedOutcome(rows: number): {
  valid: number;
  invalid: Partial<Record<IssueReason, number>>;
} {
  const invalid: Partial<Record<IssueReason, number>> = {};
  let valid = 0;
  for (let n = 1; n <= rows; n++) {
    const defect = plannedDefect(n);
    if (defect === null) valid += 1;
    else invalid[defect] = (invalid[defect] ?? 0) + 1;
  }
  return { valid, invalid };
}

/** mulberry32: small, fast and good enough to make test data; seeded so runs repeat. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each customer as Studio, the CLI generator and the Sales Web Flow spell it, and its mail domain. */
const CUSTOMERS: readonly [string, string, string, string][] = [
  ["Acme Corporation", "ACME Corp.", "Acme Corp", "acme.example"],
  ["Globex International", "GLOBEX INTL", "Globex Int'l", "globex.example"],
  ["Initech S.A.", "Initech SA", "INITECH", "initech.example"],
  ["Umbrella Holdings, Inc.", "Umbrella Holdings Inc", "umbrella holdings", "umbrella.example"],
  [
    "Société Générale de Logiciels",
    "Societe Generale de Logiciels",
    "SOCIÉTÉ GÉNÉRALE DE LOGICIELS",
    "sgl.example",
  ],
  ["Müller & Söhne GmbH", "Mueller & Soehne GmbH", "Müller und Söhne", "mueller.example"],
  ["株式会社ソフト移行", "Soft Ikou K.K.", "Soft Ikou KK", "softikou.example"],
];

function customer(rng: () => number, spelling: 0 | 1 | 2): { company: string; domain: string; id: number } {
  const id = Math.floor(rng() * (CUSTOMERS.length + 60));
  if (id < CUSTOMERS.length) {
    const c = CUSTOMERS[id]!;
    return { company: c[spelling], domain: c[3], id };
  }
  const n = id - CUSTOMERS.length + 1;
  const spelled = [`Northwind ${n} Ltd.`, `NORTHWIND ${n} LTD`, `Northwind ${n} Limited`][spelling]!;
  return { company: spelled, domain: `northwind${n}.example`, id };
}

const FIRST = ["Ana", "Bjorn", "Chen", "Dmitri", "Eva", "Fatima", "Gustavo", "Hiro", "Ingrid", "José"];
const LAST = [
  "Andersson",
  "Brown",
  "Castro",
  "Dubois",
  "Eriksson",
  "Fernández",
  "García",
  "Huang",
  "Ito",
  "Jensen",
];

function person(rng: () => number, domain: string): { name: string; email: string } {
  const first = pick(rng, FIRST);
  const last = pick(rng, LAST);
  const local = `${first}.${last}`.normalize("NFD").replace(/[^A-Za-z.]/g, "");
  return {
    name: `${first} ${last}`,
    email:
      rng() < 0.2 ? `${local.toUpperCase()}@${domain.toUpperCase()}` : `${local.toLowerCase()}@${domain}`,
  };
}

function pick<T>(rng: () => number, list: readonly T[]): T {
  return list[Math.floor(rng() * list.length)]!;
}

function guid(rng: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** Trailing (and sometimes leading) spaces, as hand-typed legacy fields have them. */
function sloppy(rng: () => number, text: string): string {
  const r = rng();
  return r < 0.15 ? `${text}   ` : r < 0.2 ? ` ${text}` : text;
}

/** Case as people typed it: upper, lower or mixed. */
function anyCase(rng: () => number, code: string): string {
  const r = rng();
  return r < 0.5
    ? code
    : r < 0.75
      ? code.toLowerCase()
      : code[0]!.toUpperCase() + code.slice(1).toLowerCase();
}

/** Calendar arithmetic on wall-clock times, held as UTC fields (the mapping supplies the zone). */
function dayAt(rng: () => number, fromYear: number, years: number): Date {
  const start = Date.UTC(fromYear, 0, 1);
  const ms = Math.floor(rng() * years * 365) * 86_400_000 + Math.floor(rng() * 86_400) * 1000;
  return new Date(start + ms);
}

function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86_400_000);
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** A wall-clock date in one of the formats the default mappings list (the same tokens). */
export function formatDate(d: Date, format: string): string {
  const h12 = d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12;
  const fields: Record<string, string> = {
    yyyy: String(d.getUTCFullYear()).padStart(4, "0"),
    MM: pad(d.getUTCMonth() + 1),
    M: String(d.getUTCMonth() + 1),
    dd: pad(d.getUTCDate()),
    d: String(d.getUTCDate()),
    HH: pad(d.getUTCHours()),
    h: String(h12),
    mm: pad(d.getUTCMinutes()),
    ss: pad(d.getUTCSeconds()),
    SSS: pad(d.getUTCMilliseconds(), 3),
    a: d.getUTCHours() < 12 ? "AM" : "PM",
  };
  return format.replace(/yyyy|MM|M|dd|d|HH|h|mm|ss|SSS|a/g, (token) => fields[token]!);
}

/** The shared facts of license row `n`, before a source's layout and mess are applied. */
interface LicenseFacts {
  n: number;
  guid: string | null;
  issued: Date;
  start: Date;
  end: Date | null;
  lastRun: Date | null;
  units: number;
  perRun: number;
  downloads: number;
  activations: number;
  notifyDays: number | null;
  fingerprint: string | null;
  ip: string;
  host: string;
  defect: IssueReason | null;
}

/** The facts of every license row, in order; a duplicate GUID repeats the row before it. */
function* licenseFacts(rows: number, rng: () => number): Generator<LicenseFacts> {
  let previousGuid = "";
  for (let n = 1; n <= rows; n++) {
    const defect = plannedDefect(n);
    const issued = dayAt(rng, 2012, 12);
    const start = rng() < 0.7 ? issued : addDays(issued, Math.floor(rng() * 30));
    const open = rng() < 0.1;
    const end =
      defect === "end_before_start"
        ? addDays(start, -30)
        : open
          ? null
          : addDays(start, 365 * (1 + Math.floor(rng() * 3)));
    const unlimited = rng() < 0.1;
    const units = unlimited ? -1 : 1000 * (1 + Math.floor(rng() * 500));
    let id = guid(rng);
    if (defect === "duplicate_guid") id = previousGuid;
    previousGuid = id;
    yield {
      n,
      guid: defect === "missing_required" ? null : id,
      issued,
      start,
      end,
      lastRun: rng() < 0.3 ? null : addDays(start, Math.floor(rng() * 200)),
      units,
      perRun: unlimited || rng() < 0.5 ? -1 : Math.min(units, 1000 * (1 + Math.floor(rng() * 10))),
      downloads: Math.floor(rng() * 20),
      activations: 1 + Math.floor(rng() * 5),
      notifyDays: rng() < 0.3 ? null : pick(rng, [15, 30, 60, 90]),
      fingerprint:
        rng() < 0.5
          ? null
          : Array.from({ length: 16 }, () => Math.floor(rng() * 16).toString(16))
              .join("")
              .toUpperCase(),
      ip: `10.${Math.floor(rng() * 256)}.${Math.floor(rng() * 256)}.${1 + Math.floor(rng() * 254)}`,
      host: `BUILD-${pad(Math.floor(rng() * 40), 3)}`,
      defect,
    };
  }
}

export type { LicenseFacts };
export { addDays, anyCase, customer, dayAt, licenseFacts, person, pick, sloppy };
