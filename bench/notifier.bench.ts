// Notifier: building the daily digest with 1,000,000 licenses of which exactly 10,000 fall in the
// digest's window, through the real issuer over NATS (issuer.expiring, a page at a time) and the
// notifier's own rendering (HTML and text); then the preview as the UI asks for it, from a notifier
// process. Licenses are seeded straight into the issuer's table, as the issuer benchmark does.
//
//   npm run bench notifier           BENCH_LICENSES=200000 npm run bench notifier   (a smaller seed)
import { randomBytes } from "node:crypto";
import { BusClient } from "@licensing/bus";
import { notifier } from "@licensing/contracts";
import { Digests, digestRows, renderDigest, type SettingsRow } from "@licensing/notifier/digest";
import pg from "pg";
import { benchEnv, fixed, percentile } from "./support.ts";

const seedSize = Number(process.env.BENCH_LICENSES ?? 1_000_000);
const inWindow = 10_000;
const day = "2031-06-15";
const timeZone = "Europe/Paris";
const runs = 5;

const env = await benchEnv();
try {
  await env.startService("issuer", {
    ISSUER_KEK: randomBytes(32).toString("base64"),
    DATABASE_POOL_SIZE: "20",
  });
  await env.startService("notifier", { NOTIFIER_KEK: randomBytes(32).toString("base64") });
  await seed(env.databaseUrl, seedSize);
  const bus = new BusClient(env.nc, { prefix: env.prefix, timeoutMs: 120_000 });
  await bus.request(notifier.updateSettings, {
    timeZone,
    defaultNotifyDays: 30,
    recipients: ["ops@example.com"],
  });

  // The notifier's own build (rows from the issuer, then rendering), in this process.
  const settings = {
    timeZone,
    defaultNotifyDays: 30,
    dailyTime: "08:00",
    uiUrl: "https://licensing.example.com",
    recipients: ["ops@example.com"],
    includeCreators: true,
  } as SettingsRow;
  const digests = new Digests({
    bus,
    settings: undefined as never,
    mailer: undefined as never,
    now: () => new Date("2031-06-15T06:00:00Z"),
    maxPayload: () => 1024 * 1024,
  });
  const now = new Date("2031-06-15T06:00:00Z");
  const builds: number[] = [];
  const fetches: number[] = [];
  const renders: number[] = [];
  let rows = 0;
  let htmlBytes = 0;
  // The first run of each warms the issuer's caches and this process's JIT; it is not counted.
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const built = await digests.build(settings, day, now);
    if (i > 0) builds.push(performance.now() - started);
    rows = built.rows.length;
    htmlBytes = Buffer.byteLength(built.html) + Buffer.byteLength(built.text);
  }
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const fetched = await digestRows(bus, {
      day,
      timeZone,
      defaultNotifyDays: 30,
      uiUrl: settings.uiUrl,
      now,
    });
    const fetchedAt = performance.now();
    renderDigest({ day, timeZone, dailyTime: "08:00", uiUrl: settings.uiUrl, rows: fetched });
    if (i > 0) {
      fetches.push(fetchedAt - started);
      renders.push(performance.now() - fetchedAt);
    }
  }
  if (rows !== inWindow) throw new Error(`the digest lists ${rows} licenses, expected ${inWindow}`);

  const previews: number[] = [];
  let shown = 0;
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    const preview = await bus.request(notifier.preview, { day });
    if (i > 0) previews.push(performance.now() - started);
    shown = preview.rows.length;
  }

  console.log(
    `\nThe daily digest with ${seedSize.toLocaleString("en")} licenses, ${inWindow.toLocaleString("en")} in the window (target: build ≤ 2,000 ms)`,
  );
  console.table([
    {
      step: "build: issuer.expiring pages over NATS + HTML and text",
      runs: String(runs),
      "p50 ms": fixed(percentile(builds, 50), 0),
      "max ms": fixed(Math.max(...builds), 0),
      rows: String(rows),
      "message KB": fixed(htmlBytes / 1024, 0),
    },
    {
      step: "  of which: the rows from the issuer (10 pages of 1,000)",
      runs: String(runs),
      "p50 ms": fixed(percentile(fetches, 50), 0),
      "max ms": fixed(Math.max(...fetches), 0),
      rows: String(rows),
      "message KB": "-",
    },
    {
      step: "  of which: rendering HTML and text",
      runs: String(runs),
      "p50 ms": fixed(percentile(renders, 50), 0),
      "max ms": fixed(Math.max(...renders), 0),
      rows: String(rows),
      "message KB": "-",
    },
    {
      step: "preview over NATS from a notifier process (first rows, 1 MiB answer)",
      runs: String(runs),
      "p50 ms": fixed(percentile(previews, 50), 0),
      "max ms": fixed(Math.max(...previews), 0),
      rows: `${shown} of ${rows}`,
      "message KB": "-",
    },
  ]);
} finally {
  await env.stop();
}

/**
 * `count` licenses straight into the issuer's table: the first 10,000 end within 0–30 days of the
 * digest's day in Paris (no window of their own: the default 30 applies); the others end long
 * before it, or more than 61 days after it (past the widest window in use, 60), or never.
 */
async function seed(databaseUrl: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const started = performance.now();
  const chunk = 100_000;
  for (let from = 0; from < count; from += chunk) {
    await client.query(
      `insert into issuer.licenses (id, key_hash, key_hint, key_enc, account_id, account_name, kind, internal, license_type,
         products, product_names, units_type, accumulated_units, units_per_execution, start_date, end_date,
         available_activations, fingerprint, execution_modes, custom_features, notify_days, seats, metadata,
         friendly_restrictions, owner_company, owner_name, owner_email, encrypted, state, state_reason, serial, key_id,
         signed_at, date_issued, created_by, created_by_name, batch_id, preset_id, version, created_at, updated_at)
       select 'lic_seed' || lpad(i::text, 18, '0'), md5(i::text) || md5((i + 1)::text), upper(substr(md5(i::text), 1, 5)),
         '\\x00'::bytea, 'acc_seed' || (i % 20000),
         (array['Acme','Globex','Initech','Umbrella','Hooli','Vandelay','Soylent','Tyrell'])[1 + i % 8] || ' ' || (i % 20000),
         case when i % 3 = 0 then 'test' else 'commercial' end, i % 20 = 0, 'subscription',
         array[(array['collector','cockpit','studio'])[1 + i % 3]], array['Product'], 'lines', -1, -1,
         '2029-01-01T00:00:00Z'::timestamptz,
         case
           when i < $3 then '2031-06-15T00:00:00+02'::timestamptz + (i % 31) * interval '1 day' + (i % 80000) * interval '1 second'
           when i % 50 = 0 then null
           when i % 2 = 0 then '2031-06-14T00:00:00+02'::timestamptz - (i % 2000) * interval '1 day'
           else '2031-08-16T00:00:00+02'::timestamptz + (i % 2000) * interval '1 day'
         end,
         case when i % 5 = 0 then -1 else 1 + i % 10 end, null, '{}', '{}',
         case when i >= $3 and i % 4 = 0 then 60 else null end, case when i % 9 = 0 then 25 else 0 end, '{}', '[]',
         'Seed', null, null, false,
         case when i >= $3 and i % 53 = 0 then 'revoked' when i >= $3 and i % 71 = 0 then 'suspended' else 'active' end,
         null, 1, 'kseed', now(), now(), 'usr_seed' || (i % 40),
         case when i % 2 = 0 then 'seller' || (i % 40) || '@example.com' else 'seller' || (i % 40) end, null, null, 1,
         now() - interval '730 days' + (i % 730) * interval '1 day', now()
       from generate_series($1::int, $2::int) as i`,
      [from, Math.min(from + chunk, count) - 1, inWindow],
    );
  }
  // The issuer's roll-ups, compacted where its schema has that step, and fresh statistics.
  const [{ compact }] = (
    await client.query("select to_regproc('issuer.stats_compact') is not null as compact")
  ).rows;
  if (compact) await client.query("select issuer.stats_compact()");
  await client.query("vacuum analyze issuer.licenses");
  await client.query("vacuum analyze issuer.stats_by_end");
  await client.end();
  console.log(
    `\nSeeded ${count.toLocaleString("en")} licenses in ${fixed((performance.now() - started) / 1000)} s`,
  );
}
