import { AppError, type distribution, type LicenseUsage, type RequestOf } from "@licensing/contracts";
import { type EntityManager, type Orm, Params, queryOne } from "@licensing/platform";
import { IsolationLevel } from "@mikro-orm/core";
import type { Leases } from "./leases.ts";
import type { Machines } from "./machines.ts";
import { isoOrNull, type Timestamp } from "./rows.ts";
import type { Usage } from "./usage.ts";
import { type UsageLines, usageLines, usageSource } from "./usage-source.ts";

const dayMs = 86_400_000;

interface UsageLicenseRow {
  license_id: string;
  account_id: string;
  products: string[];
  state: LicenseUsage["state"];
  serial: number;
  times_downloaded: string;
  last_downloaded_at: Timestamp | null;
  available_activations: number;
  active_machines: number;
  seats: number;
}

/** Everything about one license's use, for operators. */
export async function licenseUsage(
  orm: Orm,
  parts: { machines: Machines; usage: Usage; leases: Leases },
  licenseId: string,
): Promise<LicenseUsage> {
  const row = await queryOne<UsageLicenseRow>(
    orm,
    `select license_id, account_id, products, state, serial, times_downloaded, last_downloaded_at,
       available_activations, active_machines, seats
     from distribution.licenses where license_id = $1`,
    [licenseId],
  );
  if (!row) throw new AppError("not_found", `License ${licenseId} has not reached the distribution service`);
  const [machines, balance, leases] = await Promise.all([
    parts.machines.list(licenseId),
    parts.usage.balance({ licenseId }),
    parts.leases.held(licenseId),
  ]);
  return {
    licenseId: row.license_id,
    accountId: row.account_id,
    products: row.products,
    state: row.state,
    serial: row.serial,
    timesDownloaded: Number(row.times_downloaded),
    lastDownloadedAt: isoOrNull(row.last_downloaded_at),
    availableActivations: row.available_activations,
    activeMachines: row.active_machines,
    machines,
    balance,
    seats: row.seats,
    leases,
  };
}

type ReportRequest = RequestOf<typeof distribution.usageReport>;

interface ReportRow {
  period: string | null;
  account_id: string;
  product: string;
  units: number | string;
  executions: number | string;
  machines: number | string;
}

type PeriodRow = Omit<ReportRow, "account_id" | "product">;
type Totals = { units: number | string; executions: number | string; machines: number | string };
type Cursor = { period: string | null; accountId: string; product: string };
type Bucket = NonNullable<ReportRequest["bucket"]>;

/**
 * Units consumed and active machines per account and product (and period) over a range. Units and
 * executions come from the usage reports received in the range (the coarsest rollup level that
 * answers exactly for the whole days rolled up, usage-source.ts); active machines are those whose
 * activation overlapped it (or its period). Rows are ordered by period, account and product, and
 * paged by a cursor holding the last row's position.
 */
export async function usageReport(orm: Orm, request: ReportRequest) {
  // One snapshot for every statement: the line between rollups and detail cannot move between them.
  return orm.em.fork().transactional((em) => reportIn(em, request), {
    isolationLevel: IsolationLevel.REPEATABLE_READ,
    readOnly: true,
  });
}

async function reportIn(em: EntityManager, request: ReportRequest) {
  const bucket = request.bucket ?? null;
  const from = new Date(request.from);
  const to = new Date(request.to);
  const lines = await usageLines(em);
  // The figures over every page (a bound the rollups cannot answer is refused here or by the page).
  const summary = await summaryIn(em, request, lines);
  const after = request.cursor ? decodeCursor(request.cursor) : undefined;
  // The page: with a bucket, only the periods from the cursor's on, as many as it takes to fill it
  // (one, then four times more each time), not every row of the range.
  let start = from;
  if (bucket && after?.period)
    start = new Date(Math.max(from.getTime(), Date.parse(`${after.period}T00:00:00Z`)));
  if (bucket) {
    // A period without executions or machines holds no row: the page starts at the first one from
    // here that has some (a young deployment's year is mostly empty periods), or reads nothing.
    const busy = summary.periods.find(
      (p) =>
        periodsAfter(new Date(`${p.period}T00:00:00Z`), bucket, 1) > start.getTime() &&
        (Number(p.executions) > 0 || Number(p.machines) > 0),
    );
    start = busy ? new Date(Math.max(start.getTime(), Date.parse(`${busy.period}T00:00:00Z`))) : to;
  }
  let rows: ReportRow[] = [];
  let totals = summary.totals;
  for (let periods = 1; start < to; periods *= 4) {
    const end = bucket ? new Date(Math.min(to.getTime(), periodsAfter(start, bucket, periods))) : to;
    const read = await pageIn(em, request, lines, { from: start, to: end }, after);
    rows = read.rows;
    // Without a bucket the page read the whole range: its units are the totals'.
    if (!bucket) totals = { ...read.units, machines: summary.totals.machines };
    if (rows.length > request.limit || end >= to) break;
  }
  const more = rows.length > request.limit;
  const page = rows.slice(0, request.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      period: r.period,
      accountId: r.account_id,
      product: r.product,
      unitsConsumed: Number(r.units),
      executions: Number(r.executions),
      activeMachines: Number(r.machines),
    })),
    nextCursor:
      more && last
        ? Buffer.from(JSON.stringify([last.period, last.account_id, last.product])).toString("base64url")
        : null,
    totals: {
      unitsConsumed: Number(totals.units),
      executions: Number(totals.executions),
      activeMachines: Number(totals.machines),
    },
    detailFrom: Number.isFinite(lines.detailFrom) ? new Date(lines.detailFrom).toISOString() : null,
    periods: summary.periods.map((p) => ({
      period: p.period!,
      unitsConsumed: Number(p.units),
      executions: Number(p.executions),
      activeMachines: Number(p.machines),
    })),
  };
}

/** The end of `count` periods of `bucket` from the one holding `at` (UTC), in ms. */
function periodsAfter(at: Date, bucket: Bucket, count: number): number {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  if (bucket === "day") return day + count * dayMs;
  if (bucket === "week") return day - ((at.getUTCDay() + 6) % 7) * dayMs + count * 7 * dayMs;
  return Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + count, 1);
}

/**
 * The periods of [range) as rows (period, p_from, p_to): one per bucket (UTC) clipped to the
 * request's range, or the whole range as one; and a usage row's period as an expression of `u.at`.
 */
function periodsOf(params: Params, request: ReportRequest, range: { from: Date; to: Date }) {
  const from = params.add(new Date(request.from));
  const to = params.add(new Date(request.to));
  if (!request.bucket)
    return {
      periods: `select null::date as period, ${from}::timestamptz as p_from, ${to}::timestamptz as p_to`,
      periodOf: "null::date",
    };
  const unit = params.add(request.bucket);
  const rangeFrom = params.add(range.from);
  const rangeTo = params.add(range.to);
  return {
    periods: `select (p at time zone 'UTC')::date as period, greatest(p, ${from}::timestamptz) as p_from,
         least(p + ('1 ' || ${unit}::text)::interval, ${to}::timestamptz) as p_to
       from generate_series(date_trunc(${unit}::text, ${rangeFrom}::timestamptz at time zone 'UTC') at time zone 'UTC',
         ${rangeTo}::timestamptz, ('1 ' || ${unit}::text)::interval) p
       where p < ${rangeTo}::timestamptz`,
    // A report's period: its bucket's first day (every instant of the source is inside the range).
    periodOf: `(date_trunc(${unit}::text, u.at at time zone 'UTC'))::date`,
  };
}

function licenseFilters(params: Params, request: ReportRequest): string[] {
  const filters: string[] = [];
  if (request.accountId) filters.push(`l.account_id = ${params.add(request.accountId)}`);
  if (request.product) filters.push(`l.products[1] = ${params.add(request.product)}`);
  return filters;
}

/**
 * The totals and, with a bucket, every account and product together per period, over the whole
 * range: from the per-day totals across accounts when no account is chosen (a few rows a day), and
 * machines counted once a period (a machine belongs to one license, so one account and product).
 * Without a bucket only the machines: the page's statement sums the units.
 */
async function summaryIn(em: EntityManager, request: ReportRequest, lines: UsageLines) {
  const params = new Params();
  const range = { from: new Date(request.from), to: new Date(request.to) };
  // Without a bucket the page covers the whole range and sums its units itself (pageIn): reading the
  // open days' detail here as well would read it twice.
  const usage = request.bucket
    ? usageSource(params, range, lines, request, undefined, {
        acrossAccounts: true,
        months: request.bucket === "month",
      })
    : noUsage;
  const { periods, periodOf } = periodsOf(params, request, range);
  const filters = licenseFilters(params, request);
  const where = filters.length ? `and ${filters.join(" and ")}` : "";
  const from = params.add(range.from);
  const to = params.add(range.to);
  const row = await queryOne<{ totals: Totals; periods: PeriodRow[] | null }>(
    em,
    `with usage as (${usage}),
     periods as (${periods}),
     used as (select ${periodOf} as period, sum(u.units) as units, sum(u.executions) as executions from usage u group by 1),
     active as (
       select pr.period, count(distinct m.id) as machines
       from periods pr join distribution.machines m on m.activated_at < pr.p_to and coalesce(m.ended_at, 'infinity') >= pr.p_from
       join distribution.licenses l on l.license_id = m.license_id ${filters.length ? `where ${filters.join(" and ")}` : ""}
       group by pr.period)
     select
       (select json_build_object('units', coalesce(sum(units), 0), 'executions', coalesce(sum(executions), 0),
          'machines', (select count(distinct m.id) from distribution.machines m
                       join distribution.licenses l on l.license_id = m.license_id
                       where m.activated_at < ${to} and coalesce(m.ended_at, 'infinity') >= ${from} ${where}))
        from used) as totals,
       ${
         request.bucket
           ? `(select json_agg(pp order by pp.period) from (
                select to_char(pr.period, 'YYYY-MM-DD') as period, coalesce(used.units, 0) as units,
                  coalesce(used.executions, 0) as executions, coalesce(active.machines, 0) as machines
                from periods pr left join used on used.period = pr.period
                left join active on active.period = pr.period) pp)`
           : "null::json"
       } as periods`,
    params.values,
  );
  return { totals: row?.totals ?? { units: 0, executions: 0, machines: 0 }, periods: row?.periods ?? [] };
}

const noUsage =
  "select null::timestamptz as at, null::text as account_id, null::text as product, 0::bigint as units, 0::bigint as executions where false";

/** The rows of [range) (whole periods of the request) past the cursor: a page and one more. */
async function pageIn(
  em: EntityManager,
  request: ReportRequest,
  lines: UsageLines,
  range: { from: Date; to: Date },
  after: Cursor | undefined,
): Promise<{ rows: ReportRow[]; units: Omit<Totals, "machines"> }> {
  // Every statement below starts with `sql`; the values its placeholders name come first.
  const params = new Params();
  // Month totals only where a row may stand at its month's first instant (usage-source.ts).
  const usage = usageSource(params, range, lines, request, undefined, {
    months: !request.bucket || request.bucket === "month",
  });
  const { periods, periodOf } = periodsOf(params, request, range);
  const filters = licenseFilters(params, request);
  const cursorAt = after
    ? `where (coalesce(period, '-infinity'::date), account_id, product) > (coalesce(${params.add(after.period)}::date, '-infinity'::date), ${params.add(after.accountId)}, ${params.add(after.product)})`
    : "";
  const page = await queryOne<{ page: ReportRow[] | null; units: Omit<Totals, "machines"> }>(
    em,
    `with periods as (${periods}),
    usage as (${usage}),
    units as (
      select ${periodOf} as period, u.account_id, u.product, sum(u.units) as units, sum(u.executions) as executions
      from usage u group by 1, 2, 3),
    machines as (
      select pr.period, l.account_id, l.products[1] as product, count(distinct m.id) as machines
      from periods pr join distribution.machines m on m.activated_at < pr.p_to and coalesce(m.ended_at, 'infinity') >= pr.p_from
      join distribution.licenses l on l.license_id = m.license_id
      ${filters.length ? `where ${filters.join(" and ")}` : ""}
      group by 1, 2, 3),
    rows as (
      select coalesce(u.period, m.period) as period, coalesce(u.account_id, m.account_id) as account_id,
        coalesce(u.product, m.product) as product, coalesce(u.units, 0) as units,
        coalesce(u.executions, 0) as executions, coalesce(m.machines, 0) as machines
      from units u full join machines m
        on u.period is not distinct from m.period and u.account_id = m.account_id and u.product = m.product),
    page as (
      select to_char(period, 'YYYY-MM-DD') as period, account_id, product, units, executions, machines
      from rows ${cursorAt}
      order by coalesce(period, '-infinity'::date), account_id, product limit ${params.add(request.limit + 1)})
    select (select json_agg(p order by coalesce(p.period, ''), p.account_id, p.product) from page p) as page,
      (select json_build_object('units', coalesce(sum(units), 0), 'executions', coalesce(sum(executions), 0))
       from units) as units`,
    params.values,
  );
  return { rows: page?.page ?? [], units: page?.units ?? { units: 0, executions: 0 } };
}

function decodeCursor(cursor: string): Cursor {
  try {
    const [period, accountId, product] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown[];
    if (
      (period === null ||
        (typeof period === "string" &&
          /^\d{4}-\d{2}-\d{2}$/.test(period) &&
          !Number.isNaN(Date.parse(`${period}T00:00:00Z`)))) &&
      typeof accountId === "string" &&
      typeof product === "string"
    )
      return { period, accountId, product };
  } catch {
    // fall through
  }
  throw AppError.validation([{ path: "cursor", message: "is not a cursor from an earlier page" }]);
}
