// The MariaDB the tests read for real: these machines run one at 127.0.0.1:3306 (root, no password);
// MIGRATION_TEST_MYSQL_URL points the tests elsewhere (a server URL without a database).
import { randomBytes } from "node:crypto";

export const MARIADB_SERVER = process.env.MIGRATION_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";

/** A fresh database name per test file, `legacy_<random>`; the test creates and drops it. */
export function legacyDatabaseName(): string {
  return `legacy_${randomBytes(6).toString("hex")}`;
}
