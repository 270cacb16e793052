import type { Account, LicenseSummary, Product } from "@licensing/contracts";
import { api, type SearchResult } from "@licensing/ui/kit";

// What the command palette (Ctrl/⌘-K) finds through the CRM module: each function is one group of
// results, over a gateway route a page of the module already uses, so the same permission decides
// whether the result and its page may be seen.

/** How many results a group shows: the palette is for jumping to a thing, the tables for browsing. */
export const SEARCH_LIMIT = 5;

const accountTypes: Record<Account["type"], string> = { customer: "Customer", prospect: "Prospect" };

/** Accounts by name, typo-tolerant (the catalog's search), archived ones included and marked. */
export async function searchAccounts(query: string, signal: AbortSignal): Promise<SearchResult[]> {
  const page = await api.get<{ items: Account[] }>("/api/accounts", {
    query: { query, includeArchived: true, limit: SEARCH_LIMIT },
    signal,
  });
  return page.items.map((account) => ({
    id: account.id,
    label: account.name,
    description: [
      accountTypes[account.type],
      account.country,
      account.externalId && `CRM id ${account.externalId}`,
      account.archived && "archived",
    ]
      .filter(Boolean)
      .join(" · "),
    path: `/crm/accounts/${account.id}`,
  }));
}

/**
 * The licenses table's text filter as a person would type it in the palette: the tables show a key's
 * tail as `…-7K3QD`, so a copied tail may carry the ellipsis (or three dots) and the dash.
 */
export function licenseSearchText(query: string): string {
  return query
    .trim()
    .replace(/^(…|\.\.\.)?-?/, "")
    .trim()
    .slice(0, 200);
}

/**
 * Licenses by id (`lic_…`), whole license key, the key's last group (the tail the tables show) or
 * part of the account's name: the issuer's list filter decides which (keys are stored hashed, so a
 * whole key is found by its hash, a tail by the stored hint).
 */
export async function searchLicenses(query: string, signal: AbortSignal): Promise<SearchResult[]> {
  const text = licenseSearchText(query);
  if (text === "") return [];
  const page = await api.get<{ items: LicenseSummary[] }>("/api/licenses", {
    query: { text, limit: SEARCH_LIMIT },
    signal,
  });
  return page.items.map((license) => ({
    id: license.id,
    label: `License …-${license.keyHint} · ${license.accountName}`,
    description: [
      license.kind === "commercial" ? "Commercial" : "Test",
      license.products.join(", "),
      license.status,
      license.id,
    ].join(" · "),
    path: `/crm/licenses/${license.id}`,
  }));
}

/** Products by code or name. The catalog holds few, so they are read whole and matched here. */
export async function searchProducts(query: string, signal: AbortSignal): Promise<SearchResult[]> {
  const { items } = await api.get<{ items: Product[] }>("/api/products", { signal });
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return items
    .filter((product) => {
      const text = `${product.code} ${product.name}`.toLowerCase();
      return words.every((word) => text.includes(word));
    })
    .slice(0, SEARCH_LIMIT)
    .map((product) => ({
      id: product.code,
      label: product.name,
      description: product.code,
      path: `/settings/products/${encodeURIComponent(product.code)}`,
    }));
}
