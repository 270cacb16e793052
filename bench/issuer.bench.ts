// Issuer: license issuance over NATS (requester → issuer → PostgreSQL, durable before the reply) at
// concurrency 1, 16 and 64, beside baselines measured in the same run in this process, on the same
// PostgreSQL: the issue's (native Ed25519 signing and one INSERT of one row per commit), and the work
// every license must do (its cryptography, and its four rows with their indexes and the statistics
// trigger), committed one license at a time or grouped as the issuer groups them. Then, with a
// million licenses seeded, list pages and dashboard figures over NATS.
//
//   npm run bench issuer            BENCH_LICENSES=200000 npm run bench issuer   (a smaller seed)
//   BENCH_PARTS=reads npm run bench issuer                                       (one part only)
import { createPrivateKey, randomBytes, sign } from "node:crypto";
import { BusClient, signActorAssertion, tagActorAssertion, verifyActorAssertion } from "@licensing/bus";
import { type Actor, catalog, issuer, type ListLicensesRequest } from "@licensing/contracts";
import { canonicalize, generateLicenseKey } from "@licensing/model";
import {
  type EventEnvelope,
  eventStreamName,
  GroupCommit,
  readEnvelope,
  SealedBox,
} from "@licensing/platform";
import { testActorKeys } from "@licensing/testing";
import { jetstreamManager } from "@nats-io/jetstream";
import pg from "pg";
import {
  benchEnv,
  type CpuGroups,
  cpuTime,
  fixed,
  load,
  pidsNamed,
  postgresPids,
  seedLicenses,
} from "./support.ts";

/** The issuer's tables a license is written to when it is issued. */
const issuedTables = ["licenses", "license_versions", "audit_log", "outbox"] as const;

const seedSize = Number(process.env.BENCH_LICENSES ?? 1_000_000);
const parts = (process.env.BENCH_PARTS ?? "issuance,reads").split(",");
const actor: Actor = { id: "usr_bench", username: "bench", roles: ["superadmin"] };
const env = await benchEnv();
try {
  const catalogProcess = await env.startService("catalog");
  const issuerProcess = await env.startService("issuer", {
    ISSUER_KEK: randomBytes(32).toString("base64"),
    DATABASE_POOL_SIZE: "20",
  });
  const bus = new BusClient(env.nc, { prefix: env.prefix, timeoutMs: 120_000 });
  const ctx = { requestId: "req_bench", actor };
  await bus.request(catalog.createProduct, { code: "collector", name: "Collector" });
  const account = await bus.request(catalog.createAccount, { type: "customer", name: "Bench Corp" });
  const createOne = () =>
    bus.request(issuer.createLicense, { accountId: account.id, products: ["collector"] }, { ctx });

  if (parts.includes("issuance")) await issuance();
  if (parts.includes("reads")) await reads();

  async function issuance() {
    // A typical license's canonical JSON (about 1 KiB) is what the baseline signs.
    const sample = (await createOne()).licenses[0]!;
    const message = Buffer.from(
      canonicalize(
        JSON.parse(Buffer.from(sample.file.split("\n").slice(1, -2).join(""), "base64").toString()),
      ),
    );
    const privateKey = createPrivateKey({
      key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), randomBytes(32)]),
      format: "der",
      type: "pkcs8",
    });
    const baselineDb = new pg.Pool({ connectionString: env.databaseUrl, max: 32 });
    try {
      await baselineDb.query(
        "create table baseline_licenses (id text primary key, signature bytea not null, payload text not null, created_at timestamptz not null)",
      );
      const baselineOne = async (i: number) => {
        const signature = sign(null, message, privateKey);
        await baselineDb.query("insert into baseline_licenses values ($1, $2, $3, now())", [
          `b${i}_${Math.random()}`,
          signature,
          message.toString(),
        ]);
      };

      const sameWork = await sameWorkBaseline(
        baselineDb,
        sample.license.id,
        await issuedEvent(sample.license.id),
        message,
        privateKey,
      );
      // Each run of the issuer beside the baselines, by the name their columns carry.
      const baselines: [string, (i: number) => Promise<unknown>][] = [
        ["baseline", baselineOne],
        ["same work", sameWork.oneByOne],
        ["same work grouped", sameWork.grouped],
      ];

      await load(200, 16, createOne); // warm-up
      for (const [, one] of baselines) await load(200, 16, one);
      // CPU per license, per process, from /proc: NATS and PostgreSQL's shared processes are shared with
      // whatever else runs on the machine, so on a busy one these figures are upper bounds.
      const groups: CpuGroups = {
        issuer: () => [issuerProcess.pid!],
        // Each creation request asks the catalog for its account (never cached: catalog-lookup.ts).
        catalog: () => [catalogProcess.pid!],
        PostgreSQL: () => postgresPids(baselineDb),
        NATS: () => pidsNamed("nats-server"),
        requester: () => [process.pid],
      };
      const cpu: Record<string, string>[] = [];
      const cpuRow = (what: string, count: number, seconds: Record<string, number>) => {
        const total = Object.values(seconds).reduce((a, b) => a + b, 0);
        cpu.push({
          run: what,
          ...Object.fromEntries(
            Object.entries(seconds).map(([name, s]) => [`${name} µs`, fixed((s / count) * 1e6, 0)]),
          ),
          "total µs": fixed((total / count) * 1e6, 0),
        });
      };
      const rows: Record<string, string>[] = [];
      const at64 = new Map<string, number>();
      for (const concurrency of [1, 16, 64]) {
        const total = concurrency === 1 ? 400 : 3_000;
        const { result: ours, seconds } = await cpuTime(groups, () => load(total, concurrency, createOne));
        cpuRow(`issuer, concurrency ${concurrency}`, total, seconds);
        const row: Record<string, string> = {
          concurrency: String(concurrency),
          "issuer licenses/s": fixed(ours.perSecond, 0),
          "issuer p99 ms": fixed(ours.p99, 2),
        };
        for (const [name, one] of baselines) {
          const { result: base, seconds: baseSeconds } = await cpuTime(groups, () =>
            load(total, concurrency, one),
          );
          cpuRow(`${name}, concurrency ${concurrency}`, total, baseSeconds);
          if (concurrency === 64) at64.set(name, base.perSecond);
          row[`${name} /s`] = fixed(base.perSecond, 0);
          row[`${name} p99 ms`] = fixed(base.p99, 2);
          row[`issuer ÷ ${name}`] = fixed(ours.perSecond / base.perSecond, 2);
        }
        rows.push(row);
      }
      console.log(
        "\nIssuance over NATS beside, in one process: sign + one INSERT per commit (the issue's baseline;" +
          " target at concurrency 64: ≥ 0.5×), and the same work as a license (its cryptography and its" +
          " four rows, with their indexes and triggers) committed one by one or grouped as the issuer does",
      );
      console.table(rows);
      // The bulk path: one request creating 100 identical licenses (all or none).
      const { result: batch, seconds } = await cpuTime(groups, () =>
        load(30, 1, () =>
          bus.request(
            issuer.createLicense,
            { accountId: account.id, products: ["collector"], count: 100 },
            { ctx },
          ),
        ),
      );
      cpuRow("issuer, batches of 100", 3_000, seconds);
      const ratios = [...at64].map(
        ([name, perSecond]) => `${fixed((batch.perSecond * 100) / perSecond, 2)}× ${name}`,
      );
      console.log(
        `Batch requests of 100 licenses, one at a time: ${fixed(batch.perSecond * 100, 0)} licenses/s (p50 ${fixed(batch.p50, 1)} ms per request); at concurrency 64, ${ratios.join(", ")}`,
      );
      console.log(
        "\nCPU per license (or baseline row) per process, from /proc (the baselines run in the requester)",
      );
      console.table(cpu);
    } finally {
      await baselineDb.end();
    }
    cryptoPerLicense(message, privateKey);
  }

  // What every license costs in cryptography alone, whatever the code around it: the caller signs the
  // actor assertion and tags it for the issuer, the issuer checks the tag, signs the file and seals the
  // key (AES-GCM). The signature's own verify, which the tag stands in for at the issuer, is shown
  // apart (a service the assertion is forwarded to pays it). The target of ≤ 400 µs per license in
  // all is to be read beside it (docs/benchmarks.md, Issuer).
  function cryptoPerLicense(message: Buffer, privateKey: ReturnType<typeof createPrivateKey>) {
    const crypto = licenseCryptography(message, privateKey);
    const cpuMicros = (work: () => unknown) => {
      for (let i = 0; i < 300; i++) work();
      const started = process.cpuUsage();
      for (let i = 0; i < 3_000; i++) work();
      const used = process.cpuUsage(started);
      return (used.user + used.system) / 3_000;
    };
    const assertion = crypto.signAssertion("req_bench");
    const tag = crypto.tag(assertion);
    const parts = {
      "sign the actor assertion (caller)": cpuMicros(() => crypto.signAssertion("req_bench")),
      "tag it for the issuer (caller)": cpuMicros(() => crypto.tag(assertion)),
      "check it by its tag (issuer)": cpuMicros(() => crypto.checkTag(assertion, "req_bench", tag)),
      "sign the file (issuer)": cpuMicros(crypto.signFile),
      "make and seal the key (issuer)": cpuMicros(crypto.sealKey),
    };
    const bySignature = cpuMicros(() => crypto.checkSignature(assertion, "req_bench"));
    const total = Object.values(parts).reduce((a, b) => a + b, 0);
    console.log("\nCryptography every license needs, µs of CPU (this process, same run)");
    console.table(
      Object.entries({ ...parts, total, "(verify it by its signature instead)": bySignature }).map(
        ([what, micros]) => ({ what, µs: fixed(micros, 1) }),
      ),
    );
  }

  async function reads() {
    await seedLicenses(env.databaseUrl, account.id, seedSize);
    const queries: [string, ListLicensesRequest][] = [
      ["newest first", {}],
      ["page 2 (cursor)", { cursor: (await bus.request(issuer.listLicenses, {})).nextCursor! }],
      ["status expiring", { status: ["expiring"] }],
      ["status expired", { status: ["expired"] }],
      ["one account", { accountId: account.id }],
      ["product + kind", { product: "cockpit", kind: "test" }],
      ["ending soonest", { sort: "endDate", order: "asc" }],
      ["ending latest (open ends last)", { sort: "endDate", order: "desc" }],
      ["by account name", { sort: "accountName", order: "asc" }],
      ["text: account name", { text: "Initech 1234" }],
      // The planner's worst case: a text that is a bound of the statistics' histogram.
      ["text: a statistics bound", { text: await histogramBound(env.databaseUrl) }],
      ["created this week", { createdFrom: new Date(Date.now() - 7 * 86_400_000).toISOString() }],
    ];
    const read: Record<string, string>[] = [];
    for (const [name, request] of queries) {
      const run = await load(200, 4, () => bus.request(issuer.listLicenses, { limit: 50, ...request }));
      read.push({ query: `list: ${name}`, "p50 ms": fixed(run.p50, 2), "p95 ms": fixed(run.p95, 2) });
    }
    const dashboard = await load(200, 4, () => bus.request(issuer.dashboard, {}));
    read.push({ query: "dashboard", "p50 ms": fixed(dashboard.p50, 2), "p95 ms": fixed(dashboard.p95, 2) });
    console.log(`\nReads over NATS with ${seedSize.toLocaleString("en")} licenses (target p95 ≤ 50 ms each)`);
    console.table(read);
  }
} finally {
  await env.stop();
}

/**
 * The cryptography every license needs, step by step: the caller signs the operator's assertion and
 * tags it for the issuer; the issuer checks the tag (or, for comparison, the signature), makes and
 * seals the license key and signs the file (`message`, a typical license's canonical JSON).
 */
function licenseCryptography(message: Buffer, privateKey: ReturnType<typeof createPrivateKey>) {
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

/** An event as its outbox row held it: its envelope and its payload (JSON text). */
type IssuedEvent = EventEnvelope & { payload: string };

/** `licenseId`'s `license.issued` event, from the stream once the relay has published it. */
async function issuedEvent(licenseId: string): Promise<IssuedEvent> {
  const jsm = await jetstreamManager(env.nc);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const message = await jsm.streams
      .getMessage(eventStreamName(env.prefix), { last_by_subj: `${env.prefix}.evt.license.issued` })
      .catch(() => null);
    if (message && message.json<{ licenseId: string }>().licenseId === licenseId)
      return { ...readEnvelope(message.header, ""), payload: message.string() };
    if (Date.now() > deadline) throw new Error(`license.issued of ${licenseId} was not published`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A baseline doing in this process what every license needs, with nothing around it: the caller signs
 * the operator's assertion and tags it for the issuer; the issuer checks the tag, makes and seals the
 * license key, signs the file; then its four rows (the license, its first version, its audit entry,
 * its `license.issued` event) go in as one statement: one commit per license (`oneByOne`), or one for
 * whatever arrived meanwhile, through the issuer's own GroupCommit with its settings (`grouped`:
 * what issuing costs at the least in this design). The rows go into copies of the
 * issuer's tables (`bench_fair`) with their indexes, foreign keys and triggers (the statistics the
 * dashboard reads), and are copies of `licenseId`'s rows as issued (not yet chained or published)
 * under fresh ids.
 */
async function sameWorkBaseline(
  db: pg.Pool,
  licenseId: string,
  issued: IssuedEvent,
  message: Buffer,
  privateKey: ReturnType<typeof createPrivateKey>,
): Promise<{ oneByOne: () => Promise<unknown>; grouped: () => Promise<unknown> }> {
  await db.query("create schema bench_fair");
  for (const table of issuedTables) {
    await db.query(`create table bench_fair.${table} (like issuer.${table} including all)`);
    // Storage parameters too (the outbox keeps its rows' payloads inline).
    const { rows } = await db.query<{ options: string | null }>(
      "select array_to_string(reloptions, ', ') as options from pg_class where oid = $1::regclass",
      [`issuer.${table}`],
    );
    if (rows[0]?.options) await db.query(`alter table bench_fair.${table} set (${rows[0].options})`);
  }
  // The sample license's rows as issued: its audit entry not yet chained, its event not published
  // (the relay deleted its outbox row: it is made again from the event in the stream).
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
    [issued.eventId, issued.version, issued.payload, issued.requestId, actor.id],
  );
  const texts: string[] = [];
  for (const table of issuedTables) {
    const { rows } = await db.query<{ text: string }>(`select t::text as text from bench_fair.${table} t`);
    if (rows.length !== 1) throw new Error(`${table}: ${rows.length} rows of the sample license, not 1`);
    texts.push(rows[0]!.text);
  }
  // The values that must be unique, replaced by fresh ones of the same length wherever they appear.
  const { rows: unique } = await db.query<{ value: string }>(
    `select id as value from bench_fair.licenses union all select key_hash from bench_fair.licenses
     union all select id from bench_fair.audit_log union all select id from bench_fair.outbox`,
  );
  const uniqueValues = new RegExp(unique.map((row) => row.value).join("|"), "g");
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
  // One statement writing `count` licenses: each table's rows as one INSERT of an array of records.
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
  const crypto = licenseCryptography(message, privateKey);
  let made = 0;
  /** A license's cryptography, then its four rows (as record texts) under fresh ids. */
  const prepare = () => {
    const n = String(++made).padStart(10, "0");
    const requestId = `req_same_${n}`;
    const assertion = crypto.signAssertion(requestId);
    crypto.checkTag(assertion, requestId, crypto.tag(assertion));
    crypto.sealKey();
    crypto.signFile();
    return texts.map((text) => text.replace(uniqueValues, (value) => value.slice(0, -10) + n));
  };
  // As the issuer commits: whatever arrived meanwhile, up to 64 licenses, two commits at a time.
  const committer = new GroupCommit<string[], undefined>(
    async (licenses) => {
      await db.query(insertOf(licenses.length), licenses.flat());
      return licenses.map(() => undefined);
    },
    { maxBatch: 64, concurrency: 2 },
  );
  return {
    oneByOne: () => db.query(insertOf(1), prepare()),
    grouped: () => committer.submit(prepare()),
  };
}

/** The middle bound of the histogram PostgreSQL keeps of lower(account_name). */
async function histogramBound(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ bounds: string[] }>(
      `select histogram_bounds::text::text[] as bounds from pg_stats
       where schemaname = 'issuer' and tablename = 'licenses_by_account_name'`,
    );
    const bounds = rows[0]?.bounds ?? ["acme 1"];
    return bounds[Math.floor(bounds.length / 2)]!;
  } finally {
    await client.end();
  }
}
