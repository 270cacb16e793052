import type { Account, Contact } from "@licensing/contracts";
import { trackedProperties } from "@licensing/platform";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

export const AccountEntity = defineEntity({
  name: "Account",
  tableName: "accounts",
  properties: {
    id: p.string().primary(),
    type: p.enum(["customer", "prospect"] as const),
    name: p.string(),
    externalId: p.string().nullable(),
    country: p.string().nullable(),
    contacts: p.json<Contact[]>(),
    salesOwner: p.string().nullable(),
    notes: p.text(),
    archived: p.boolean().default(false),
    ...trackedProperties(),
  },
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
