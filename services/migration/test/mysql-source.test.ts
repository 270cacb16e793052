// Against the real MariaDB of these machines (support/mariadb.ts): each test file
// makes its own database and drops it.
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LegacySource, openSource } from "../src/sources/index.ts";
import { collect } from "./support/files.ts";
import { legacyDatabaseName, MARIADB_SERVER } from "./support/mariadb.ts";

const server = MARIADB_SERVER;
const database = legacyDatabaseName();
let admin: mysql.Connection;
let source: LegacySource;

beforeAll(async () => {
  admin = await mysql.createConnection(`${server}/`);
  await admin.query(`create database ${database} character set utf8mb4`);
  await admin.query(`use ${database}`);
  await admin.query(
    "create table Licenses (LicenseId int primary key, LicenseGuid char(36), Owner varchar(200), Units int, EndDate datetime null, Notes text)",
  );
  await admin.query(
    "insert into Licenses values (1, 'b6a4c3f0-0000-4000-8000-000000000001', 'Zoë Société ', 1000, '2025-12-31 23:59:59', 'a\nb'), (2, 'b6a4c3f0-0000-4000-8000-000000000002', 'Acme', -1, null, null)",
  );
  source = await openSource(`${server}/${database}`);
});

afterAll(async () => {
  await source?.close();
  await admin?.query(`drop database if exists ${database}`);
  await admin?.end();
});

describe("MySQL/MariaDB source", () => {
  it("streams a table's rows with every value as text or null", async () => {
    expect(await collect(source.read("Licenses"))).toEqual([
      {
        table: "Licenses",
        rowNumber: 1,
        values: {
          LicenseId: "1",
          LicenseGuid: "b6a4c3f0-0000-4000-8000-000000000001",
          Owner: "Zoë Société ",
          Units: "1000",
          EndDate: "2025-12-31 23:59:59",
          Notes: "a\nb",
        },
      },
      {
        table: "Licenses",
        rowNumber: 2,
        values: {
          LicenseId: "2",
          LicenseGuid: "b6a4c3f0-0000-4000-8000-000000000002",
          Owner: "Acme",
          Units: "-1",
          EndDate: null,
          Notes: null,
        },
      },
    ]);
  });

  it("streams many rows", async () => {
    await admin.query("create table Big (id int primary key, v varchar(20))");
    const values = Array.from({ length: 5000 }, (_, i) => [i + 1, `v${i + 1}`]);
    await admin.query("insert into Big values ?", [values]);
    let count = 0;
    for await (const record of source.read("Big")) {
      count += 1;
      expect(record).toMatchObject({ rowNumber: count, values: { id: String(count) } });
    }
    expect(count).toBe(5000);
  });

  it("names a missing table, and a database it cannot reach", async () => {
    await expect(collect(source.read("Nope"))).rejects.toMatchObject({ code: "not_found" });
    await expect(openSource(`${server}/${database}_missing`)).rejects.toMatchObject({
      code: "service_unavailable",
    });
  });
});
