import type { LicenseDefaults, NamedCode, Product, TestDefaults } from "@licensing/contracts";
import { trackedProperties } from "@licensing/platform";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

export const ProductEntity = defineEntity({
  name: "Product",
  tableName: "products",
  properties: {
    code: p.text().primary(),
    name: p.text(),
    executionModes: p.json<NamedCode[]>(),
    customFeatures: p.json<NamedCode[]>(),
    unitsTypes: p.json<NamedCode[]>(),
    defaultNotifyDays: p.integer(),
    defaults: p.json<LicenseDefaults>(),
    testDefaults: p.json<TestDefaults>(),
    ...trackedProperties(),
  },
});
export type ProductRow = InferEntity<typeof ProductEntity>;

export function toProduct(row: ProductRow): Product {
  return {
    code: row.code,
    name: row.name,
    executionModes: row.executionModes,
    customFeatures: row.customFeatures,
    unitsTypes: row.unitsTypes,
    defaultNotifyDays: row.defaultNotifyDays,
    defaults: row.defaults,
    testDefaults: row.testDefaults,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
