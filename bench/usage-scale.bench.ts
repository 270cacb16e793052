// Usage data at fleet scale (issue 20): N usage reports seeded straight into distribution's detail
// table over the past year and today up to now (10,000 licenses of 1,000 accounts, two products,
// evenly through time, written a day at a time in time order),
// then, in one run:
//   - ingestion: the report_usage function (what POST /v1/usage runs, one call a report, 16 at once)
//     on the seeded table, and once the service has rolled the year up and dropped the detail past
//     its retention, each against the empty table (issue 20: within 10% of it): a copy of the
//     database made before the seed, measured in turns with the other so that neither runs at a
//     quieter moment; first a run just after the seed or the rollup, its pages cold;
//   - the rollup the service runs at start (every closed day, the retention, then the closed hours
//     of the days kept), its duration;
//   - usage reports and the dashboard as operators' tools call them (over NATS): p50/p95 of each
//     (issue 20: p95 ≤ 200 ms); those whose bounds fall inside a day (or that hold today) also
//     with the hourly level set aside, as they were read before it (a day of detail per bound),
//     the two in turns;
//   - storage per row: detail, the rollup levels and the idempotency keys (pg_total_relation_size ÷ rows).
// The bench database is dropped at the end (kept with BENCH_KEEP_DATABASE=1), its empty copy always.
//
//   npm run bench usage-scale          BENCH_USAGE_ROWS=100000000 npm run bench usage-scale
import { execFileSync } from "node:child_process";
import { BusClient } from "@licensing/bus";
import { distribution } from "@licensing/contracts";
import { databaseUrlFor, dropDatabase } from "@licensing/deploy/local-infra";
import pg from "pg";
import { benchActor, benchEnv, fixed, load, percentile, stopChild } from "./support.ts";

const rows = Number(process.env.BENCH_USAGE_ROWS ?? 2_000_000);
/** Seeding stops after this long (whole chunks of a million), however many rows that makes. */
const seedSeconds = Number(process.env.BENCH_USAGE_SEED_SECONDS ?? Number.POSITIVE_INFINITY);
const licenses = 10_000;
const accounts = 1_000;
const ingestCalls = Number(process.env.BENCH_USAGE_INGEST_CALLS ?? 20_000);
/** Ingestion runs of each state in turns with as many on the empty copy. */
const ingestTurns = 3;
const dayMs = 86_400_000;
const today = Math.floor(Date.now() / dayMs) * dayMs;
const yearAgo = today - 365 * dayMs;
/**
 * One day's reports ($1 of them, from $4 in epoch seconds, $6 a day apart evenly), each with its
 * idempotency key beside it as report_usage writes them; $5 numbers the day (keys stay unique).
 */
const seedDay = `with seeded as (insert into distribution.usage_reports (license_id, idempotency_key, units, account_id, product, fingerprint,
     execution_mode, executed_at, reported_at)
   select 'lic_seed' || lpad((i % $2)::text, 6, '0'), 'run-' || ($5::bigint * $6 + i), 1 + (i * 7919) % 1000,
     'acc_seed' || lpad((i % $2 % $3)::text, 6, '0'), case when i % $2 % 4 = 0 then 'cockpit' else 'collector' end,
     'fp-' || (i % $2), 'online', t, t
   from generate_series(0, $1::bigint - 1) i,
     lateral (select to_timestamp($4::float8 + (i + 0.5) * 86400.0 / $6::float8) as t) at
   returning license_id, idempotency_key, units, reported_at)
   insert into distribution.usage_report_keys (license_id, idempotency_key, units, reported_at)
   select license_id, idempotency_key, units, reported_at from seeded`;

const env = await benchEnv();
const database = new URL(env.databaseUrl).pathname.slice(1);
const emptyDatabase = `${database}_empty`;
const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 16 });
const emptyPool = new pg.Pool({
  connectionString: databaseUrlFor(env.infra.databaseUrl, emptyDatabase),
  max: 16,
});
// Alone (no issuer: it signs nothing here), quiet about that, and quick to stop.
const service = {
  DISTRIBUTION_PORT: "0",
  DISTRIBUTION_USAGE_ROLLUP_INTERVAL_SECONDS: "86400",
  LOG_LEVEL: "error",
  SHUTDOWN_GRACE_SECONDS: "3",
};
try {
  // Once to migrate the schema; the rollup it ran at start (nothing to do) is forgotten, so the
  // seeded history is as a deployment that never rolled up.
  await stopChild(await env.startService("distribution", service));
  const setup = new pg.Client({ connectionString: env.databaseUrl });
  await setup.connect();
  await setup.query("delete from distribution.usage_rollup_state");
  await setup.query(
    `insert into distribution.licenses (license_id, key_hash, account_id, state, state_at, serial, file, encrypted,
       products, kind, internal, start_date, end_date, available_activations, accumulated_units,
       units_per_execution, seats, fingerprint, execution_modes, change_seq, changed_at)
     select 'lic_seed' || lpad(i::text, 6, '0'), md5(i::text), 'acc_seed' || lpad((i % $1)::text, 6, '0'), 'active',
       now(), 1, 'file', false, array[case when i % 4 = 0 then 'cockpit' else 'collector' end], 'commercial', false,
       now() - interval '2 years', null, -1, -1, -1, 0, null, null, nextval('distribution.license_changes'), now()
     from generate_series(0, $2 - 1) i`,
    [accounts, licenses],
  );
  await setup.end();
  // The empty table the ingestion is compared with: this database as it is now, before the seed
  // (a copy needs the original to have no connection).
  await copyDatabase(database, emptyDatabase);

  let key = 0;
  const ingest = async (into: pg.Pool, calls = ingestCalls) =>
    load(calls, 16, async () => {
      const n = key++;
      const license = n % licenses;
      await into.query("select distribution.report_usage($1, $2, $3, $4, $5, $6, null, null, now())", [
        `lic_seed${String(license).padStart(6, "0")}`,
        `bench-ingest-${n}`,
        1 + (n % 100),
        `acc_seed${String(license % accounts).padStart(6, "0")}`,
        license % 4 === 0 ? "cockpit" : "collector",
        `fp-${license}`,
      ]);
    });
  // The same row written by a bare INSERT (no key lookup, no balance): what the table's size costs
  // on its own, apart from report_usage's key and balance.
  const insertOnly = async (into: pg.Pool, calls = ingestCalls) =>
    load(calls, 16, async () => {
      const n = key++;
      const license = n % licenses;
      await into.query(
        `insert into distribution.usage_reports (license_id, idempotency_key, units, account_id, product, fingerprint,
           reported_at) values ($1, $2, $3, $4, $5, $6, now())`,
        [
          `lic_seed${String(license).padStart(6, "0")}`,
          `bench-insert-${n}`,
          1 + (n % 100),
          `acc_seed${String(license % accounts).padStart(6, "0")}`,
          license % 4 === 0 ? "cockpit" : "collector",
          `fp-${license}`,
        ],
      );
    });
  type Run = Awaited<ReturnType<typeof ingest>>;
  // Each state's ingestion starts on a settled server: the seed and the rollup leave gigabytes of
  // dirty pages that a checkpoint would otherwise write back during the next run (0.72× the empty
  // table's rate at 738,000 rows with the seed's checkpoint still spreading its writes, without it
  // ~1×). Then a run just after it (the pages new reports go to may be cold there, where a service
  // taking reports keeps them in memory: at 100 million such a run once measured 0.25×), and the
  // turns, each state's run beside one on the empty copy, the two in alternating order. Single runs
  // a phase apart moved by ±15% from one bench run to the next (the rolled-up table at 0.85× in
  // one, 1.16× in another), more than the bound they were judged by.
  const ingestion = async () => {
    await pool.query("checkpoint");
    const first = { state: await ingest(pool), empty: await ingest(emptyPool) };
    const firstInsert = { state: await insertOnly(pool), empty: await insertOnly(emptyPool) };
    const turns = {
      state: [] as Run[],
      empty: [] as Run[],
      stateInsert: [] as Run[],
      emptyInsert: [] as Run[],
    };
    for (let turn = 0; turn < ingestTurns; turn++) {
      const order = turn % 2 === 0 ? [pool, emptyPool] : [emptyPool, pool];
      for (const on of order) (on === pool ? turns.state : turns.empty).push(await ingest(on));
      for (const on of order)
        (on === pool ? turns.stateInsert : turns.emptyInsert).push(await insertOnly(on));
    }
    return { first, firstInsert, turns };
  };
  // Warm-up first (connections, plans, the server's caches) on both.
  for (const on of [pool, emptyPool]) {
    await ingest(on, 2_000);
    await insertOnly(on, 2_000);
  }

  // The seed: a partition per month of the past year, then one day at a time from yesterday back,
  // each day's reports in time order as a service writes them, so that a day's rows lie together in
  // its month's partition (a seed spread over the year in each statement scattered them: a 30-day
  // report then read a page per row). Two days at once. A seed cut short by BENCH_USAGE_SEED_SECONDS
  // holds the latest days at the same density, as a younger deployment would; its size is what was
  // seeded.
  for (let month = 0; month <= 13; month++)
    await pool.query("select distribution.usage_partition_for($1)", [new Date(yearAgo + month * 30 * dayMs)]);
  const seedStarted = performance.now();
  const perDay = Math.ceil(rows / 365);
  // Today up to now at the same pace (a deployment's reports of today so far), then the past days.
  const todaySoFar = Math.floor((perDay * (seedStarted + performance.timeOrigin - today)) / dayMs);
  await pool.query(seedDay, [todaySoFar, licenses, accounts, today / 1000, -1, perDay]);
  let daysBack = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (daysBack < 365 && (performance.now() - seedStarted) / 1000 < seedSeconds) {
        const day = daysBack++;
        await pool.query(seedDay, [
          perDay,
          licenses,
          accounts,
          (today - (day + 1) * dayMs) / 1000,
          day,
          perDay,
        ]);
      }
    }),
  );
  const seedTook = (performance.now() - seedStarted) / 1000;
  await pool.query("vacuum analyze distribution.usage_reports, distribution.usage_report_keys");
  const detail = await sizeOf("usage_reports");
  const seededRows = detail.rows;
  console.log(
    `\nSeeded ${seededRows.toLocaleString("en")} usage reports in ${fixed(seedTook)} s (${fixed(seededRows / seedTook, 0)} rows/s)`,
  );
  const seeded = await ingestion();

  // The service as deployed: at start it rolls up every closed day, then drops detail past 90 days.
  const rollupStarted = performance.now();
  await env.startService("distribution", service);
  for (;;) {
    const { rows: state } = await pool.query<{ done: boolean }>(
      // Done once every closed day and hour is rolled up and the keys past the retention are pruned
      // (the last step of a run). The hours' line is needed too: a seed shorter than the retention
      // has no keys to prune, and its reports were measured while the hours were still being summed.
      `select rolled_up_before >= $1 and hours_rolled_up_before >= closed_before and detail_from > '-infinity'
         and not exists (select 1 from distribution.usage_report_keys where reported_at < $2) as done
       from distribution.usage_rollup_state`,
      [new Date(today), new Date(today - 90 * dayMs)],
    );
    if (state[0]?.done) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const rollupSeconds = (performance.now() - rollupStarted) / 1000;
  await pool.query("vacuum analyze distribution.usage_reports");
  await pool.query("vacuum analyze distribution.usage_daily");
  await pool.query(
    "vacuum analyze distribution.usage_report_keys, distribution.usage_daily_totals, distribution.usage_monthly",
  );
  await pool.query("vacuum analyze distribution.usage_hourly");
  const hourly = await sizeOf("usage_hourly");
  const daily = await sizeOf("usage_daily");
  const dailyTotals = await sizeOf("usage_daily_totals");
  const monthly = await sizeOf("usage_monthly");
  const keys = await sizeOf("usage_report_keys");
  const kept = await sizeOf("usage_reports");
  const rolledUp = await ingestion();

  const bus = new BusClient(env.nc, { prefix: env.prefix, timeoutMs: 60_000 });
  // The ingestion runs above wrote their reports at the time they ran: about 200,000 in the hour
  // still open, where a fleet of this size writes 11,400 an hour (at 100 million a year). Every
  // report reads the hours not rolled up yet from the detail, so they are taken out again: the
  // reports below are measured over the modelled fleet's data, not over the bench's own traffic
  // (with it, p95 120-370 ms where the same reports take 25-50 ms; docs/benchmarks.md).
  const { rowCount: ingested } = await pool.query(
    `delete from distribution.usage_reports
     where reported_at >= (select hours_rolled_up_before from distribution.usage_rollup_state)
       and idempotency_key like 'bench-%'`,
  );
  await pool.query("vacuum analyze distribution.usage_reports");
  console.log(`\nTaken out of the open hours before the reports: ${ingested} reports of the ingestion runs`);
  const as = { ctx: { requestId: "req_bench_usage", actor: benchActor } };
  const now = Date.now();
  const account = "acc_seed000007";
  // Whole UTC days, today included, as the usage report page asks them ("30 days", "12 months").
  const lastDays = (days: number) => ({
    from: new Date(today - (days - 1) * dayMs).toISOString(),
    to: new Date(today + dayMs).toISOString(),
  });
  const month = lastDays(30);
  const year = lastDays(365);
  const queries: [string, () => Promise<unknown>][] = [];
  // The public API also takes any instant: a range starting mid-day reads that day's whole hours from
  // usage_hourly, the rest of its hour from the detail.
  const instants = { from: new Date(now - 30 * dayMs).toISOString(), to: new Date(now).toISOString() };
  for (const bucket of [undefined, "day"] as const)
    queries.push([
      `report 30 days to the millisecond${bucket ? ` per ${bucket}` : ""}`,
      () => bus.request(distribution.usageReport, { ...instants, ...(bucket ? { bucket } : {}) }, as),
    ]);
  for (const [name, range] of [
    ["30 days", month],
    ["365 days", year],
  ] as const)
    for (const bucket of [undefined, "day", "week", "month"] as const)
      for (const accountId of [undefined, account]) {
        queries.push([
          `report ${name}${bucket ? ` per ${bucket}` : ""}${accountId ? ", one account" : ""}`,
          () =>
            bus.request(
              distribution.usageReport,
              { ...range, ...(bucket ? { bucket } : {}), ...(accountId ? { accountId } : {}) },
              as,
            ),
        ]);
      }
  // A later page of the longest all-accounts report: it reads the periods from the cursor's on.
  const firstPage = await bus.request(distribution.usageReport, { ...year, bucket: "day", limit: 1_000 }, as);
  queries.push([
    "report 365 days per day, second page",
    () =>
      bus.request(
        distribution.usageReport,
        { ...year, bucket: "day", limit: 1_000, cursor: firstPage.nextCursor ?? undefined },
        as,
      ),
  ]);
  for (const days of [30, 366])
    queries.push([`dashboard ${days} days`, () => bus.request(distribution.usageSummary, { days }, as)]);
  const timesOf = async (run: () => Promise<unknown>, count: number) => {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      await run();
      times.push(performance.now() - started);
    }
    return times;
  };
  const latency = (query: string, times: number[]) => ({
    query,
    "p50 ms": fixed(percentile(times, 50)),
    "p95 ms": fixed(percentile(times, 95)),
  });
  // The reports whose bounds fall inside a day (or that hold today) are also read as before the
  // hourly level (each bound's day and today from the detail), with the level's line set aside,
  // in turns of 5 with it and 5 without, so neither is measured later (warmer, or after another
  // report's pages) than the other. The service's next rollup (a day away) would fill the level
  // again; the line is put back after each turn.
  const comparedWithoutHourly = /millisecond|^report 30 days(, one account)?$/;
  const { rows: hoursLine } = await pool.query<{ at: Date }>(
    "select hours_rolled_up_before as at from distribution.usage_rollup_state",
  );
  const setHoursLine = (at: Date | string | undefined) =>
    pool.query("update distribution.usage_rollup_state set hours_rolled_up_before = $1", [at]);
  const latencies = [];
  for (const [name, run] of queries) {
    await timesOf(run, 3);
    if (!comparedWithoutHourly.test(name)) {
      latencies.push(latency(name, await timesOf(run, 30)));
      continue;
    }
    const withLevel: number[] = [];
    const without: number[] = [];
    for (let turn = 0; turn < 6; turn++) {
      withLevel.push(...(await timesOf(run, 5)));
      await setHoursLine("-infinity");
      without.push(...(await timesOf(run, 5)));
      await setHoursLine(hoursLine[0]?.at);
    }
    latencies.push(latency(name, withLevel), latency(`${name}, without the hourly level`, without));
  }

  console.log(
    `\nUsage reports and dashboard over NATS, ${seededRows.toLocaleString("en")} reports seeded (30 runs each)`,
  );
  console.table(latencies);
  // Runs taken together: every call over all their time.
  const rate = (runs: Run[]) => runs.length / runs.reduce((seconds, run) => seconds + 1 / run.perSecond, 0);
  const ratios = (runs: Run[], empties: Run[]) => runs.map((run, i) => run.perSecond / empties[i]!.perSecond);
  const range = (values: number[]) => `${fixed(Math.min(...values), 2)}–${fixed(Math.max(...values), 2)}`;
  const ingestRows = (
    table: string,
    { first, firstInsert, turns }: Awaited<ReturnType<typeof ingestion>>,
  ) => [
    {
      table: `${table}, first run`,
      "reports/s": fixed(first.state.perSecond, 0),
      "empty: reports/s": fixed(first.empty.perSecond, 0),
      "÷ empty": fixed(first.state.perSecond / first.empty.perSecond, 2),
      "bare INSERT ÷ empty": fixed(firstInsert.state.perSecond / firstInsert.empty.perSecond, 2),
      "p99 ms (empty)": `${fixed(first.state.p99, 1)} (${fixed(first.empty.p99, 1)})`,
    },
    {
      table: `${table}, ${ingestTurns} turns`,
      "reports/s": fixed(rate(turns.state), 0),
      "empty: reports/s": fixed(rate(turns.empty), 0),
      "÷ empty": `${fixed(rate(turns.state) / rate(turns.empty), 2)} (${range(ratios(turns.state, turns.empty))})`,
      "bare INSERT ÷ empty": `${fixed(rate(turns.stateInsert) / rate(turns.emptyInsert), 2)} (${range(ratios(turns.stateInsert, turns.emptyInsert))})`,
      "p99 ms (empty)": `${fixed(Math.max(...turns.state.map((run) => run.p99)), 1)} (${fixed(Math.max(...turns.empty.map((run) => run.p99)), 1)})`,
    },
  ];
  console.log(
    `\nIngestion: report_usage, ${ingestCalls.toLocaleString("en")} calls a run, 16 at once, against the empty table (a copy made before the seed) run beside it; a bare INSERT of the same row likewise (÷ empty: all the turns' calls, in brackets each turn's)`,
  );
  console.table([
    ...ingestRows(`seeded (${detail.partitions} partitions)`, seeded),
    ...ingestRows(`rolled up (${kept.partitions} partitions)`, rolledUp),
  ]);
  console.log(
    `\nRollup of the year at start: ${fixed(rollupSeconds)} s (every closed day, the retention, then the closed hours kept)`,
  );
  console.table([
    {
      table: "detail (seeded)",
      rows: detail.rows,
      bytes: detail.bytes,
      "bytes/row": fixed(detail.bytes / detail.rows, 0),
    },
    {
      table: "detail (90 days kept)",
      rows: kept.rows,
      bytes: kept.bytes,
      "bytes/row": fixed(kept.bytes / kept.rows, 0),
    },
    ...(
      [
        ["usage_hourly (90 days)", hourly],
        ["usage_daily", daily],
        ["usage_daily_totals", dailyTotals],
        ["usage_monthly", monthly],
        ["usage_report_keys (90 days)", keys],
      ] as const
    ).map(([table, size]) => ({
      table,
      rows: size.rows,
      bytes: size.bytes,
      "bytes/row": fixed(size.bytes / Math.max(size.rows, 1), 0),
    })),
  ]);
  console.log(`load: ${execFileSync("uptime").toString().trim()}`);
} finally {
  await pool.end();
  await emptyPool.end();
  await dropDatabase(env.infra.databaseUrl, emptyDatabase);
  await env.stop();
}

/** Creates `copy` as a copy of `original`, which must have no connection. */
async function copyDatabase(original: string, copy: string) {
  const admin = new pg.Client({ connectionString: env.infra.databaseUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${copy}" template "${original}"`);
  } finally {
    await admin.end();
  }
}

/** Rows, bytes (heap, indexes, TOAST) and partitions of a table, its partitions together. */
async function sizeOf(table: string): Promise<{ rows: number; bytes: number; partitions: number }> {
  const { rows: found } = await pool.query<{ rows: string; bytes: string; partitions: string }>(
    `select (select count(*) from distribution.${table}) as rows,
       coalesce(sum(pg_total_relation_size(c.oid)), 0) as bytes, count(*) filter (where c.relispartition) as partitions
     from pg_class c where c.oid = $1::regclass
       or c.oid in (select inhrelid from pg_inherits where inhparent = $1::regclass)`,
    [`distribution.${table}`],
  );
  const row = found[0]!;
  return { rows: Number(row.rows), bytes: Number(row.bytes), partitions: Number(row.partitions) };
}
