import type { UsageSummary } from "@licensing/contracts";
import { type Orm, query, queryOne } from "@licensing/platform";

const dayMs = 86_400_000;

/**
 * The dashboard's usage figures. Each is one indexed query, whatever the size of the history: units
 * per UTC day over the window (a range of `usage_by_time`), machines active now (the partial index
 * of active activations) and leases held now.
 */
export async function usageSummary(orm: Orm, now: Date, days: number): Promise<UsageSummary> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = new Date(today - (days - 1) * dayMs);
  const to = new Date(today + dayMs);
  const [daily, machines, leases] = await Promise.all([
    query<{ day: string; units: string; executions: string }>(
      orm,
      `with used as (
         select (reported_at at time zone 'UTC')::date as day, sum(units) as units, count(*) as executions
         from distribution.usage_reports where reported_at >= $1 and reported_at < $2 group by 1)
       select to_char(d, 'YYYY-MM-DD') as day, coalesce(used.units, 0) as units, coalesce(used.executions, 0) as executions
       from generate_series($3::date, $4::date, '1 day') d left join used on used.day = d::date order by d`,
      [from, to, from.toISOString().slice(0, 10), new Date(today).toISOString().slice(0, 10)],
    ),
    queryOne<{ n: string }>(orm, "select count(*) as n from distribution.machines where status = 'active'"),
    queryOne<{ n: string }>(
      orm,
      "select count(*) as n from distribution.leases where released_at is null and expires_at > $1",
      [now],
    ),
  ]);
  const perDay = daily.map((d) => ({
    day: d.day,
    unitsConsumed: Number(d.units),
    executions: Number(d.executions),
  }));
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    unitsConsumed: perDay.reduce((sum, d) => sum + d.unitsConsumed, 0),
    executions: perDay.reduce((sum, d) => sum + d.executions, 0),
    activeMachines: Number(machines?.n ?? 0),
    leasesHeld: Number(leases?.n ?? 0),
    daily: perDay,
  };
}
