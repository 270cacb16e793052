// VBUC in the Sales Web Flow: a shop's tables; a license is an order item, the customer is the order's.
import {
  anyCase,
  customer,
  formatDate,
  type GeneratedTable,
  licenseFacts,
  person,
  pick,
  random,
  sloppy,
} from "../legacy-data.ts";
import { fromFacts, orNull } from "./from-facts.ts";

const SALES_SKUS = [
  ["VBUC-STD-100K", "vbuc", "VBUC Standard 100K lines"],
  ["VBUC-STD-500K", "vbuc", "VBUC Standard 500K lines"],
  ["VBUC-PRO-1M", "vbuc", "VBUC Professional 1M lines"],
  ["VBUC-ASP-ADDON", "vbuc-asp", "ASP.NET add-on"],
] as const;
const CUSTOMER_IDS = 67; // customer() draws from 7 known companies and 60 generated ones

export function salesTables(rows: number, seed: number): GeneratedTable[] {
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
