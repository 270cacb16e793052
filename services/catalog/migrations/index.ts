import {
  auditLogMigration,
  eventInlineMigration,
  eventTablesMigration,
  eventTraceMigration,
  eventVersionMigration,
} from "@licensing/platform";
import { AccountsAndProducts } from "./0001_accounts_and_products.ts";
import { TestDefaults } from "./0002_test_defaults.ts";
import { Releases } from "./0003_releases.ts";

/**
 * Every migration of the catalog schema, in order: written by hand up to
 * 0001_accounts_and_products, generated from the entities since (`npm run db -w services/catalog --
 * create <name>`). Applied at start; never edit one that has shipped.
 */
export const migrations = [
  eventTablesMigration,
  { name: "0001_accounts_and_products", class: AccountsAndProducts },
  eventVersionMigration,
  eventTraceMigration,
  auditLogMigration,
  { name: "0002_test_defaults", class: TestDefaults },
  { name: "0003_releases", class: Releases },
  eventInlineMigration,
];
