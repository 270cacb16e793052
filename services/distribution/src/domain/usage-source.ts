import { AppError } from "@licensing/contracts";
import { type EntityManager, type Params, queryOne } from "@licensing/platform";
import { utcDay } from "./usage-rollup.ts";

const dayMs = 86_400_000;
const hourMs = 3_600_000;

/** Where usage detail ends and rollups begin, as a reader sees it (usage_rollup_state). */
export interface UsageLines {
  /** Days before it are read from usage_daily. */
  rolledUpBefore: number;
  /** Hours before it (and from `detailFrom` on) are read from usage_hourly. */
  hoursRolledUpBefore: number;
  /** Detail before it is gone (past the retention). */
  detailFrom: number;
}

/** Reads the lines; in the reader's transaction, so they hold for its every statement. */
export async function usageLines(em: EntityManager): Promise<UsageLines> {
  const row = await queryOne<{ rolled: number; hours: number; detail: number }>(
    em,
    `select extract(epoch from rolled_up_before)::float8 * 1000 as rolled,
       extract(epoch from hours_rolled_up_before)::float8 * 1000 as hours,
       extract(epoch from detail_from)::float8 * 1000 as detail
     from distribution.usage_rollup_state where id = 1`,
  );
  return {
    rolledUpBefore: row?.rolled ?? -Infinity,
    hoursRolledUpBefore: row?.hours ?? -Infinity,
    detailFrom: row?.detail ?? -Infinity,
  };
}

/** The filters a usage source takes, as columns of both usage_reports and usage_daily. */
export interface UsageFilters {
  accountId?: string | undefined;
  product?: string | undefined;
}

/**
 * Which rollup levels a source may read besides usage_daily (docs/distribution.md, "Usage data"):
 * `months` when every row of a month may stand at its first instant (the reader groups by month or
 * not at all), `acrossAccounts` when the reader needs no account (the rows' account_id is null).
 */
export interface UsageLevels {
  months?: boolean;
  acrossAccounts?: boolean;
}

/**
 * The usage in [from, to) as rows (at, account_id, product, units, executions), each instant of the
 * range counted from exactly one level: the whole UTC days rolled up from the coarsest level that
 * holds them exactly (usage_daily_totals across accounts; usage_monthly for whole months, every day
 * of them rolled up; else usage_daily), then the whole UTC hours rolled up from usage_hourly, each
 * row at its day's, month's or hour's first instant, the rest from the detail, each report a row.
 * So a bound inside a day reads at most its hour of detail. A range whose bound falls inside a day
 * only kept as a daily total cannot be answered exactly, and is refused with a validation error
 * naming the bound.
 */
export function usageSource(
  params: Params,
  range: { from: Date; to: Date },
  lines: UsageLines,
  filters: UsageFilters,
  names: { from: string; to: string } = { from: "from", to: "to" },
  levels: UsageLevels = {},
): string {
  const from = range.from.getTime();
  const to = range.to.getTime();
  const firstWholeDay = Math.ceil(from / dayMs) * dayMs;
  const rolledUpTo = Math.max(firstWholeDay, Math.min(utcDay(range.to).getTime(), lines.rolledUpBefore));
  // The parts of the range outside the days rolled up: each bound's partial day, and the days after.
  const outside: [number, number][] =
    firstWholeDay < rolledUpTo
      ? [
          [from, firstWholeDay],
          [rolledUpTo, to],
        ]
      : [[from, to]];
  for (const [start, end] of outside) {
    if (start >= end || start >= lines.detailFrom) continue;
    const bound = start === from ? names.from : names.to;
    const kept = new Date(lines.detailFrom).toISOString();
    throw AppError.validation([
      {
        path: bound,
        message: `falls inside a day kept only as a daily total: usage before ${kept} is counted per UTC day, so start and end there on a midnight (UTC), or after ${kept}`,
      },
    ]);
  }
  // Each of them: its whole hours rolled up from usage_hourly, the partial hours at its ends from the detail.
  const hours: [number, number][] = [];
  const detail: [number, number][] = [];
  for (const [start, end] of outside) {
    const firstWholeHour = Math.ceil(start / hourMs) * hourMs;
    const hoursTo = Math.max(
      firstWholeHour,
      Math.min(Math.floor(end / hourMs) * hourMs, lines.hoursRolledUpBefore),
    );
    if (firstWholeHour < hoursTo) {
      hours.push([firstWholeHour, hoursTo]);
      detail.push([start, firstWholeHour], [hoursTo, end]);
    } else detail.push([start, end]);
  }
  const acrossAccounts = levels.acrossAccounts === true && !filters.accountId;
  const where = (table: string) => {
    const conditions: string[] = [];
    if (filters.accountId) conditions.push(`${table}.account_id = ${params.add(filters.accountId)}`);
    if (filters.product) conditions.push(`${table}.product = ${params.add(filters.product)}`);
    return conditions.map((c) => ` and ${c}`).join("");
  };
  const parts = detail
    .filter(([start, end]) => start < end)
    .map(
      ([start, end]) =>
        `select u.reported_at as at, ${acrossAccounts ? "null::text" : "u.account_id"} as account_id, u.product, u.units, 1::bigint as executions
         from distribution.usage_reports u
         where u.reported_at >= ${params.add(new Date(start))}::timestamptz and u.reported_at < ${params.add(new Date(end))}::timestamptz${where("u")}`,
    );
  for (const [start, end] of hours)
    parts.push(
      `select h.hour as at, ${acrossAccounts ? "null::text" : "h.account_id"} as account_id, h.product, h.units, h.executions
       from distribution.usage_hourly h
       where h.hour >= ${params.add(new Date(start))}::timestamptz and h.hour < ${params.add(new Date(end))}::timestamptz${where("h")}`,
    );
  // The rolled-up days: whole months of them from usage_monthly where allowed, the others per day.
  const days: [number, number][] = [];
  if (firstWholeDay < rolledUpTo) {
    const [monthsFrom, monthsTo] = wholeMonths(firstWholeDay, rolledUpTo);
    if (levels.months && !acrossAccounts && monthsFrom < monthsTo) {
      days.push([firstWholeDay, monthsFrom], [monthsTo, rolledUpTo]);
      parts.push(
        `select (m.month::timestamp at time zone 'UTC') as at, m.account_id, m.product, m.units, m.executions
         from distribution.usage_monthly m
         where m.month >= ${params.add(isoDay(monthsFrom))}::date and m.month < ${params.add(isoDay(monthsTo))}::date${where("m")}`,
      );
    } else days.push([firstWholeDay, rolledUpTo]);
  }
  for (const [start, end] of days.filter(([start, end]) => start < end))
    parts.push(
      acrossAccounts
        ? `select (d.day::timestamp at time zone 'UTC') as at, null::text as account_id, d.product, d.units, d.executions
           from distribution.usage_daily_totals d
           where d.day >= ${params.add(isoDay(start))}::date and d.day < ${params.add(isoDay(end))}::date${where("d")}`
        : `select (d.day::timestamp at time zone 'UTC') as at, d.account_id, d.product, d.units, d.executions
           from distribution.usage_daily d
           where d.day >= ${params.add(isoDay(start))}::date and d.day < ${params.add(isoDay(end))}::date${where("d")}`,
    );
  if (parts.length === 0)
    return "select null::timestamptz as at, null::text as account_id, null::text as product, 0::bigint as units, 0::bigint as executions where false";
  return parts.join("\n union all\n");
}

/** The whole UTC months inside [from, to) (midnights), as [first month's start, end of the last); empty when none. */
function wholeMonths(from: number, to: number): [number, number] {
  const f = new Date(from);
  const first = Date.UTC(f.getUTCFullYear(), f.getUTCMonth() + (f.getUTCDate() === 1 ? 0 : 1), 1);
  const t = new Date(to);
  const last = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1);
  return first < last ? [first, last] : [first, first];
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
