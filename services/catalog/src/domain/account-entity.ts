import type { Account, Contact } from "@licensing/contracts";
import { trackedProperties } from "@licensing/platform";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

export const AccountEntity = defineEntity({
  name: "Account",
  tableName: "accounts",
  properties: {
    id: p.text().primary(),
    type: p.enum(["customer", "prospect"] as const),
    name: p.text(),
    /** `name` lower-cased and without accents (search_text, in search.sql): what search and sorting read. */
    searchName: p.text().generated("(search_text(name)) stored").nullable().lazy(),
    externalId: p.text().nullable(),
    country: p.text().nullable(),
    contacts: p.json<Contact[]>().defaultRaw("'[]'"),
    salesOwner: p.text().nullable(),
    notes: p.text().defaultRaw("''"),
    archived: p.boolean().default(false),
    ...trackedProperties(),
  },
  indexes: [
    { name: "accounts_by_name", properties: ["searchName", "id"] },
    {
      name: "accounts_name_trigrams",
      expression:
        "create index accounts_name_trigrams on catalog.accounts using gin (search_name public.gin_trgm_ops)",
    },
  ],
  uniques: [{ name: "accounts_external_id", properties: ["externalId"], where: "external_id is not null" }],
});
export type AccountRow = InferEntity<typeof AccountEntity>;

/** The account as the bus carries it. */
export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    externalId: row.externalId ?? null,
    country: row.country ?? null,
    contacts: row.contacts,
    salesOwner: row.salesOwner ?? null,
    notes: row.notes,
    archived: row.archived,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
