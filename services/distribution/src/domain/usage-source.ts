import { AppError } from "@licensing/contracts";
import { type EntityManager, type Params, queryOne } from "@licensing/platform";
import { utcDay } from "./usage-rollup.ts";

const dayMs = 86_400_000;

/** Where usage detail ends and rollups begin, as a reader sees it (usage_rollup_state). */
export interface UsageLines {
  /** Days before it are read from usage_daily. */
  rolledUpBefore: number;
  /** Detail before it is gone (past the retention). */
  detailFrom: number;
}

/** Reads the lines; in the reader's transaction, so they hold for its every statement. */
export async function usageLines(em: EntityManager): Promise<UsageLines> {
  const row = await queryOne<{ rolled: number; detail: number }>(
    em,
    `select extract(epoch from rolled_up_before)::float8 * 1000 as rolled,
       extract(epoch from detail_from)::float8 * 1000 as detail
     from distribution.usage_rollup_state where id = 1`,
  );
  return { rolledUpBefore: row?.rolled ?? -Infinity, detailFrom: row?.detail ?? -Infinity };
}

/** The filters a usage source takes, as columns of both usage_reports and usage_daily. */
export interface UsageFilters {
  accountId?: string | undefined;
  product?: string | undefined;
}

/**
 * The usage in [from, to) as rows (at, account_id, product, units, executions): the whole UTC days
 * rolled up come from usage_daily (each as one row at its midnight), the rest from the detail, each
 * report a row. Every instant of the range is counted from exactly one of them. A range whose bound
 * falls inside a day only kept as a daily total cannot be answered exactly, and is refused with a
 * validation error naming the bound.
 */
export function usageSource(
  params: Params,
  range: { from: Date; to: Date },
  lines: UsageLines,
  filters: UsageFilters,
  names: { from: string; to: string } = { from: "from", to: "to" },
): string {
  const from = range.from.getTime();
  const to = range.to.getTime();
  const firstWholeDay = Math.ceil(from / dayMs) * dayMs;
  const rolledUpTo = Math.max(firstWholeDay, Math.min(utcDay(range.to).getTime(), lines.rolledUpBefore));
  const detail: [number, number][] =
    firstWholeDay < rolledUpTo
      ? [
          [from, firstWholeDay],
          [rolledUpTo, to],
        ]
      : [[from, to]];
  for (const [start, end] of detail) {
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
        `select u.reported_at as at, u.account_id, u.product, u.units, 1::bigint as executions
         from distribution.usage_reports u
         where u.reported_at >= ${params.add(new Date(start))}::timestamptz and u.reported_at < ${params.add(new Date(end))}::timestamptz${where("u")}`,
    );
  if (firstWholeDay < rolledUpTo)
    parts.push(
      `select (d.day::timestamp at time zone 'UTC') as at, d.account_id, d.product, d.units, d.executions
       from distribution.usage_daily d
       where d.day >= ${params.add(isoDay(firstWholeDay))}::date and d.day < ${params.add(isoDay(rolledUpTo))}::date${where("d")}`,
    );
  if (parts.length === 0)
    return "select null::timestamptz as at, null::text as account_id, null::text as product, 0::bigint as units, 0::bigint as executions where false";
  return parts.join("\n union all\n");
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
