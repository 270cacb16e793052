// Each legacy source end to end, as its owners can hand it over: Studio as SQL Server's UTF-16
// export, the Sales Web Flow read live from MariaDB (the CLI generator's CSV is runs.test.ts's).
// Every valid license comes in under its legacy key, which distribution then accepts, with its
// consumption carried.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { distribution, migration } from "@licensing/contracts";
import { queryOne } from "@licensing/platform";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LegacyLicense, loadDefaultMapping, mapSource } from "../src/mapping/index.ts";
import { openSource } from "../src/sources/index.ts";
import { writeLegacyDatabase, writeLegacyExport } from "./support/export-writers.ts";
import { expectedOutcome } from "./support/legacy-data.ts";
import { legacyDatabaseName, MARIADB_SERVER } from "./support/mariadb.ts";
import { as, type MigrationUnderTest, startMigration } from "./support/migration-harness.ts";

let under: MigrationUnderTest;
const database = legacyDatabaseName();
let admin: mysql.Connection;

beforeAll(async () => {
  under = await startMigration();
  admin = await mysql.createConnection(`${MARIADB_SERVER}/`);
  await admin.query(`create database ${database} character set utf8mb4`);
}, 60_000);
afterAll(async () => {
  await admin?.query(`drop database if exists ${database}`);
  await admin?.end();
  await under?.stop();
});

/** Applies a source twice: everything valid in (questions settled as new accounts), then unchanged. */
async function migrate(source: "studio" | "vbuc-sales", location: string, rows: number) {
  const expected = expectedOutcome(rows);
  const dry = await under.finished((await under.start({ source, location })).id);
  expect(dry.state).toBe("done");
  expect(dry.counts).toMatchObject({ rows, valid: expected.valid });
  const { items } = await under.env.bus.request(migration.accountQuestions, { state: "open" }, as());
  for (const q of items)
    await under.env.bus.request(migration.decideAccount, { key: q.key, choice: "merge" }, as());
  const applied = await under.finished((await under.start({ source, location, dryRun: false })).id);
  expect(applied.state).toBe("done");
  expect(applied.counts).toMatchObject({
    new: expected.valid,
    failed: 0,
    conflicting: 0,
    awaitingAccount: 0,
  });
  const again = await under.finished((await under.start({ source, location, dryRun: false })).id);
  expect(again.counts).toMatchObject({ new: 0, updated: 0, unchanged: expected.valid });
  return applied;
}

/** The answer of `call` once it stops failing (within 15 s). */
async function eventually<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The license a legacy row became. */
async function licenseOf(source: string, legacyId: string) {
  return (
    await queryOne<{ license_id: string }>(
      under.issuerOrm,
      "select license_id from issuer.legacy_licenses where source = $1 and legacy_id = $2",
      [source, legacyId],
    )
  )?.license_id;
}

describe("Snow Studio, from SQL Server's UTF-16 export", () => {
  it("comes in whole, and its GUIDs open the licenses", async () => {
    mkdirSync(join(under.root, "studio"));
    await writeLegacyExport(join(under.root, "studio"), "studio", { rows: 200, seed: 5, format: "utf16" });
    await migrate("studio", "studio", 200);
    // The first valid row, as the mapping reads it: its GUID in the case and braces Studio wrote.
    const source = await openSource(join(under.root, "studio"));
    let first: LegacyLicense | undefined;
    for await (const result of mapSource(source, await loadDefaultMapping("studio")))
      if (result.ok) {
        first = result.license;
        break;
      }
    await source.close();
    const licenseId = await licenseOf("studio", first!.legacyId);
    // Distribution has the license once the issuer's event reached it (eventually, not at the answer).
    const download = await eventually(async () => {
      const answer = await under.product("GET", "/v1/license", `{${first!.guid.toLowerCase()}}`);
      if (answer.statusCode !== 200) throw new Error(`GET /v1/license answered ${answer.statusCode}`);
      return answer;
    });
    expect(download.json().licenseId).toBe(licenseId);
  });
});

describe("VBUC in the Sales Web Flow, read live from MariaDB", () => {
  it("comes in whole, with its consumption, and its GUIDs work on distribution's API", async () => {
    const url = `${MARIADB_SERVER}/${database}`;
    await writeLegacyDatabase(url, "vbuc-sales", { rows: 200, seed: 9 });
    const applied = await migrate("vbuc-sales", url, 200);
    expect(applied.location).toBe(url);
    expect(applied.counts.consumptionCarried).toBeGreaterThan(0);

    const [used] = (await admin.query(
      `select i.item_id, trim(i.license_key) as license_key, u.lines_used from ${database}.order_items i
         join ${database}.license_usage u on trim(u.license_key) = trim(i.license_key)
        where u.lines_used > 0 order by i.item_id`,
    )) as unknown as [{ item_id: string; license_key: string; lines_used: string }[]];
    const imported = [];
    for (const row of used) {
      const licenseId = await licenseOf("vbuc-sales", row.item_id);
      if (licenseId) imported.push({ ...row, licenseId });
    }
    expect(imported.length).toBeGreaterThan(0);
    const { licenseId, license_key: guid, lines_used } = imported[0]!;
    // Carried as pending when distribution had not received the license yet, applied when it does.
    const usage = await eventually(() =>
      under.env.bus.request(distribution.licenseUsage, { licenseId }, as()),
    );
    expect(usage.balance.unitsConsumed).toBe(Number(lines_used));

    const download = await under.product("GET", "/v1/license", guid.toUpperCase());
    expect(download.statusCode).toBe(200);
    expect(download.json().licenseId).toBe(licenseId);
  });
});
