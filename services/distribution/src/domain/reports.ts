import { AppError, type distribution, type LicenseUsage, type RequestOf } from "@licensing/contracts";
import { type EntityManager, type Orm, Params, queryOne } from "@licensing/platform";
import { IsolationLevel } from "@mikro-orm/core";
import type { Leases } from "./leases.ts";
import type { Machines } from "./machines.ts";
import { isoOrNull, type Timestamp } from "./rows.ts";
import type { Usage } from "./usage.ts";
import { usageLines, usageSource } from "./usage-source.ts";

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

/**
 * Units consumed and active machines per account and product (and period) over a range. Units and
 * executions come from the usage reports received in the range (the per-day rollups for the whole
 * days rolled up, usage-source.ts); active machines are those whose
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
  // Every statement below starts with `sql`; the values its placeholders name come first.
  const params = new Params();
  const from = params.add(new Date(request.from));
  const to = params.add(new Date(request.to));
  const licenseFilters: string[] = [];
  if (request.accountId) licenseFilters.push(`l.account_id = ${params.add(request.accountId)}`);
  if (request.product) licenseFilters.push(`l.products[1] = ${params.add(request.product)}`);
  // Units and executions from the days rolled up and the detail (usage-source.ts).
  const usage = usageSource(
    params,
    { from: new Date(request.from), to: new Date(request.to) },
    await usageLines(em),
    { accountId: request.accountId, product: request.product },
  );
  // Periods: one per bucket in the range (UTC), or the whole range as one.
  let periods = `select null::date as period, ${from}::timestamptz as p_from, ${to}::timestamptz as p_to`;
  // A report's period: its bucket's first day (every instant of the source is inside the range).
  let periodOf = "null::date";
  if (bucket) {
    const unit = params.add(bucket);
    periodOf = `(date_trunc(${unit}::text, u.at at time zone 'UTC'))::date`;
    periods = `select (p at time zone 'UTC')::date as period, greatest(p, ${from}::timestamptz) as p_from,
         least(p + ('1 ' || ${unit}::text)::interval, ${to}::timestamptz) as p_to
       from generate_series(date_trunc(${unit}::text, ${from}::timestamptz at time zone 'UTC') at time zone 'UTC',
         ${to}::timestamptz, ('1 ' || ${unit}::text)::interval) p
       where p < ${to}::timestamptz`;
  }
  const sql = `
    with periods as (${periods}),
    usage as (${usage}),
    units as (
      select ${periodOf} as period, u.account_id, u.product, sum(u.units) as units, sum(u.executions) as executions
      from usage u group by 1, 2, 3),
    machines as (
      select pr.period, l.account_id, l.products[1] as product, count(distinct m.id) as machines
      from periods pr join distribution.machines m on m.activated_at < pr.p_to and coalesce(m.ended_at, 'infinity') >= pr.p_from
      join distribution.licenses l on l.license_id = m.license_id
      ${licenseFilters.length ? `where ${licenseFilters.join(" and ")}` : ""}
      group by 1, 2, 3),
    rows as (
      select coalesce(u.period, m.period) as period, coalesce(u.account_id, m.account_id) as account_id,
        coalesce(u.product, m.product) as product, coalesce(u.units, 0) as units,
        coalesce(u.executions, 0) as executions, coalesce(m.machines, 0) as machines
      from units u full join machines m
        on u.period is not distinct from m.period and u.account_id = m.account_id and u.product = m.product)`;
  const after = request.cursor ? decodeCursor(request.cursor) : undefined;
  const cursorAt = after
    ? `where (coalesce(period, '-infinity'::date), account_id, product) > (coalesce(${params.add(after.period)}::date, '-infinity'::date), ${params.add(after.accountId)}, ${params.add(after.product)})`
    : "";
  // One statement, so the rows are summed once (a CTE read three times is materialized): the page,
  // the totals and, with a bucket, every account and product together per period (a machine belongs
  // to one license, so one account and one product: summing the rows' distinct counts counts each
  // machine once a period).
  const report = await queryOne<{ page: ReportRow[] | null; totals: Totals; periods: PeriodRow[] | null }>(
    em,
    `${sql},
    page as (
      select to_char(period, 'YYYY-MM-DD') as period, account_id, product, units, executions, machines
      from rows ${cursorAt}
      order by coalesce(period, '-infinity'::date), account_id, product limit ${params.add(request.limit + 1)})
    select
      (select json_agg(p order by coalesce(p.period, ''), p.account_id, p.product) from page p) as page,
      (select json_build_object('units', coalesce(sum(units), 0), 'executions', coalesce(sum(executions), 0),
         'machines', (select count(distinct m.id) from distribution.machines m
                      join distribution.licenses l on l.license_id = m.license_id
                      where m.activated_at < ${to} and coalesce(m.ended_at, 'infinity') >= ${from}
                      ${licenseFilters.length ? `and ${licenseFilters.join(" and ")}` : ""}))
       from rows) as totals,
      ${
        bucket
          ? `(select json_agg(pp order by pp.period) from (
               select to_char(pr.period, 'YYYY-MM-DD') as period, coalesce(sum(r.units), 0) as units,
                 coalesce(sum(r.executions), 0) as executions, coalesce(sum(r.machines), 0) as machines
               from periods pr left join rows r on r.period = pr.period group by pr.period) pp)`
          : "null::json"
      } as periods`,
    params.values,
  );
  const rows = report?.page ?? [];
  const totals = report?.totals;
  const perPeriod = report?.periods ?? [];
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
      unitsConsumed: Number(totals?.units ?? 0),
      executions: Number(totals?.executions ?? 0),
      activeMachines: Number(totals?.machines ?? 0),
    },
    periods: perPeriod.map((p) => ({
      period: p.period!,
      unitsConsumed: Number(p.units),
      executions: Number(p.executions),
      activeMachines: Number(p.machines),
    })),
  };
}

function decodeCursor(cursor: string): { period: string | null; accountId: string; product: string } {
  try {
    const [period, accountId, product] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown[];
    if (
      (period === null || typeof period === "string") &&
      typeof accountId === "string" &&
      typeof product === "string"
    )
      return { period, accountId, product };
  } catch {
    // fall through
  }
  throw AppError.validation([{ path: "cursor", message: "is not a cursor from an earlier page" }]);
}
