// The floor of issuing a license: what every license needs, with nothing around it. The issuer bench
// measures it beside the issuer in two forms: in the bench's own process (issuer.bench.ts), and as a
// service of its own on the bus, as the architecture asks (issuance-floor-service.ts).
import { type createPrivateKey, randomBytes, sign } from "node:crypto";
import { signActorAssertion, tagActorAssertion, verifyActorAssertion } from "@licensing/bus";
import type { Actor } from "@licensing/contracts";
import { generateLicenseKey } from "@licensing/model";
import { SealedBox } from "@licensing/platform";
import { testActorKeys } from "@licensing/testing";
import type pg from "pg";

/** The issuer's tables a license is written to when it is issued (the outbox row last). */
export const issuedTables = ["licenses", "license_versions", "audit_log", "outbox"] as const;

/** The event a license is issued with, as its outbox row held it (the relay deletes the row). */
export interface IssuedEvent {
  eventId: string;
  version: string;
  requestId: string | undefined;
  /** JSON text. */
  payload: string;
}

/** A license's four rows as record texts, and the values in them that must be unique. */
export interface FloorSample {
  texts: string[];
  unique: string[];
  /** The outbox row's id: a license's event goes to the stream under its fresh one. */
  eventId: string;
}

/**
 * The cryptography every license needs, step by step: the caller signs the operator's assertion and
 * tags it for the issuer; the issuer checks the tag (or, for comparison, the signature), makes and
 * seals the license key and signs the file (`message`, a typical license's canonical JSON).
 */
export function licenseCryptography(
  message: Buffer,
  privateKey: ReturnType<typeof createPrivateKey>,
  actor: Actor,
) {
  const caller = testActorKeys("test");
  const issuerKeys = testActorKeys("issuer");
  const toIssuer = caller.trusted.filter((key) => key.signer === "issuer");
  const box = new SealedBox({ current: randomBytes(32), previous: [] }, "BENCH_KEK");
  return {
    signAssertion: (requestId: string) => signActorAssertion(caller.signing!, actor, requestId),
    tag: (assertion: string) => tagActorAssertion(caller.signing!, assertion, toIssuer)!,
    checkTag: (assertion: string, requestId: string, tag: string) =>
      verifyActorAssertion(assertion, requestId, issuerKeys.trusted, { tag, verifier: issuerKeys.signing! }),
    checkSignature: (assertion: string, requestId: string) =>
      verifyActorAssertion(assertion, requestId, issuerKeys.trusted),
    sealKey: () => box.seal(generateLicenseKey(), "license key bench"),
    signFile: () => sign(null, message, privateKey),
  };
}

/**
 * Copies of the issuer's tables a license is written to (`bench_fair`), with their indexes, storage
 * parameters, foreign keys and triggers (the statistics the dashboard reads), and the sample a floor
 * writes: `licenseId`'s rows as issued (its audit entry not chained yet; its event as published,
 * the relay having deleted its outbox row).
 */
export async function createFloorTables(
  db: pg.Pool,
  licenseId: string,
  issued: IssuedEvent,
  actorId: string,
): Promise<FloorSample> {
  await db.query("create schema bench_fair");
  for (const table of issuedTables) {
    await db.query(`create table bench_fair.${table} (like issuer.${table} including all)`);
    const { rows } = await db.query<{ options: string | null }>(
      "select array_to_string(reloptions, ', ') as options from pg_class where oid = $1::regclass",
      [`issuer.${table}`],
    );
    if (rows[0]?.options) await db.query(`alter table bench_fair.${table} set (${rows[0].options})`);
  }
  const ofTheLicense: Record<Exclude<(typeof issuedTables)[number], "outbox">, string> = {
    licenses: "id = $1",
    license_versions: "license_id = $1",
    audit_log: "entity_id = $1",
  };
  for (const [table, where] of Object.entries(ofTheLicense))
    await db.query(`insert into bench_fair.${table} select * from issuer.${table} where ${where}`, [
      licenseId,
    ]);
  await db.query("update bench_fair.audit_log set chain_seq = null, hash = null");
  await db.query(
    `insert into bench_fair.outbox (id, event, version, payload, request_id, actor_id, created_at)
     values ($1, 'license.issued', $2, $3, $4, $5, now())`,
    [issued.eventId, issued.version, issued.payload, issued.requestId, actorId],
  );
  const texts: string[] = [];
  for (const table of issuedTables) {
    const { rows } = await db.query<{ text: string }>(`select t::text as text from bench_fair.${table} t`);
    if (rows.length !== 1) throw new Error(`${table}: ${rows.length} rows of the sample license, not 1`);
    texts.push(rows[0]!.text);
  }
  const { rows: unique } = await db.query<{ value: string }>(
    `select id as value from bench_fair.licenses union all select key_hash from bench_fair.licenses
     union all select id from bench_fair.audit_log union all select id from bench_fair.outbox`,
  );
  for (const table of issuedTables) await db.query(`delete from bench_fair.${table}`);
  // Foreign keys among these tables, and the tables' triggers, as the issuer has them.
  const { rows: constraints } = await db.query<{ sql: string }>(
    `select format('alter table %s add %s', conrelid::regclass, pg_get_constraintdef(oid)) as sql
     from pg_constraint where contype = 'f' and conrelid = any($1::regclass[]) and confrelid = any($1::regclass[])`,
    [issuedTables.map((table) => `issuer.${table}`)],
  );
  const { rows: triggers } = await db.query<{ sql: string }>(
    "select pg_get_triggerdef(oid) as sql from pg_trigger where tgrelid = any($1::regclass[]) and not tgisinternal",
    [issuedTables.map((table) => `issuer.${table}`)],
  );
  const intoCopies = (sql: string) =>
    sql.replace(/\bissuer\.(\w+)\b/g, (name, table: string) =>
      (issuedTables as readonly string[]).includes(table) ? `bench_fair.${table}` : name,
    );
  for (const { sql } of [...constraints, ...triggers]) await db.query(intoCopies(sql));
  return { texts, unique: unique.map((row) => row.value), eventId: issued.eventId };
}

/** A license's rows under fresh ids, and its event's fresh id. */
export interface FloorLicense {
  rows: string[];
  eventId: string;
}

/**
 * The sample's rows under fresh ids (the unique values replaced by others of the same length, in one
 * pass), and one statement writing any number of licenses: each table's rows as one INSERT of an
 * array of records. `first` keeps two writers (the bench and the floor's service) apart.
 */
export function floorRows(sample: FloorSample, first = 0) {
  const pattern = new RegExp(sample.unique.join("|"), "g");
  const fresh = (value: string, n: string) => value.slice(0, -10) + n;
  const statements = new Map<number, string>();
  const insertOf = (count: number) => {
    let sql = statements.get(count);
    if (sql === undefined) {
      const inserts = issuedTables.map((table, i) => {
        const records = Array.from(
          { length: count },
          (_, k) => `$${k * issuedTables.length + i + 1}::bench_fair.${table}`,
        );
        return `t${i} as (insert into bench_fair.${table} select * from unnest(array[${records.join(", ")}]))`;
      });
      sql = `with ${inserts.join(", ")} select 1`;
      statements.set(count, sql);
    }
    return sql;
  };
  let made = first;
  return {
    next(): FloorLicense {
      const n = String(++made).padStart(10, "0");
      return {
        rows: sample.texts.map((text) => text.replace(pattern, (value) => fresh(value, n))),
        eventId: fresh(sample.eventId, n),
      };
    },
    insert: (db: pg.Pool, licenses: FloorLicense[]) =>
      db.query(
        insertOf(licenses.length),
        licenses.flatMap((license) => license.rows),
      ),
  };
}
