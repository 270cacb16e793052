import { defineEntity, p } from "@mikro-orm/core";

// The dashboard's roll-ups of `licenses`, kept exact by statement-level triggers in the same
// transaction as every change (migrations/repeatable/license-stats.sql). Each change appends its
// deltas as rows; readers sum them, and stats_compact() folds them into one row per bucket now and
// then. Nothing writes them through the ORM: these entities describe the tables for the schema.

/** Licenses by state, end day (UTC; 'infinity' for none) and notice window (-1 for the default). */
export const StatsByEndEntity = defineEntity({
  name: "StatsByEnd",
  tableName: "stats_by_end",
  properties: {
    id: p.bigint("string").columnType("bigint").primary().autoincrement().generated("by default as identity"),
    state: p.text(),
    endDay: p.date(),
    notifyDays: p.integer(),
    n: p.bigint("string"),
  },
});

/** Licenses by product (every product of a license; `main` for its first), kind and internal use. */
export const StatsByProductEntity = defineEntity({
  name: "StatsByProduct",
  tableName: "stats_by_product",
  properties: {
    id: p.bigint("string").columnType("bigint").primary().autoincrement().generated("by default as identity"),
    kind: p.text(),
    internal: p.boolean(),
    product: p.text(),
    main: p.boolean().default(true),
    n: p.bigint("string"),
  },
});

/** Licenses by creation day (UTC) and kind. */
export const StatsByCreatedEntity = defineEntity({
  name: "StatsByCreated",
  tableName: "stats_by_created",
  properties: {
    id: p.bigint("string").columnType("bigint").primary().autoincrement().generated("by default as identity"),
    createdDay: p.date(),
    kind: p.text(),
    n: p.bigint("string"),
  },
});

/** Licenses by account; `folded` rows are compacted totals, the others recent deltas. */
export const StatsByAccountEntity = defineEntity({
  name: "StatsByAccount",
  tableName: "stats_by_account",
  properties: {
    id: p.bigint("string").columnType("bigint").primary().autoincrement().generated("by default as identity"),
    accountId: p.text(),
    n: p.bigint("string"),
    folded: p.boolean().default(false),
  },
  indexes: [
    { name: "stats_by_account_id", properties: ["accountId"] },
    // The top accounts, from the folded counts (see DashboardFigures).
    { name: "stats_by_account_folded", columns: [{ name: "n", sort: "desc" }], where: "folded" },
    { name: "stats_by_account_recent", properties: ["accountId"], where: "not folded" },
  ],
});

export const statsEntities = [
  StatsByEndEntity,
  StatsByProductEntity,
  StatsByCreatedEntity,
  StatsByAccountEntity,
];
