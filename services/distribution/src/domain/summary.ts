import type { UsageSummary } from "@licensing/contracts";
import { execute, type Orm, Params, query, queryOne } from "@licensing/platform";
import { usageLines, usageSource } from "./usage-source.ts";

const dayMs = 86_400_000;

/**
 * The dashboard's usage figures. Each is one indexed query, whatever the size of the history: units
 * per UTC day over the window (the per-day totals across accounts, and a range of `usage_by_time` for the days
 * not rolled up yet), machines active now (the partial index
 * of active activations) and leases held now.
 */
export async function usageSummary(orm: Orm, now: Date, days: number): Promise<UsageSummary> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = new Date(today - (days - 1) * dayMs);
  const to = new Date(today + dayMs);
  const [daily, machines, leases] = await Promise.all([
    dailyUsage(orm, from, to),
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

/** Units and executions per UTC day of [from, to) (whole days), every day listed. */
function dailyUsage(orm: Orm, from: Date, to: Date) {
  return orm.em.fork().transactional(async (em) => {
    // A month of per-day rows is a few thousand: starting parallel workers costs more than it saves
    // (95 ms against 30 ms measured on two busy cores, docs/benchmarks.md).
    await execute(em, "set local max_parallel_workers_per_gather = 0");
    const params = new Params();
    // Every account together: the per-day totals across accounts (a few rows a day) for the days rolled up.
    const usage = usageSource(params, { from, to }, await usageLines(em), {}, undefined, {
      acrossAccounts: true,
    });
    const first = params.add(from.toISOString().slice(0, 10));
    const last = params.add(new Date(to.getTime() - dayMs).toISOString().slice(0, 10));
    return query<{ day: string; units: string; executions: string }>(
      em,
      `with usage as (${usage}),
       used as (select (at at time zone 'UTC')::date as day, sum(units) as units, sum(executions) as executions
         from usage group by 1)
       select to_char(d, 'YYYY-MM-DD') as day, coalesce(used.units, 0) as units, coalesce(used.executions, 0) as executions
       from generate_series(${first}::date, ${last}::date, '1 day') d left join used on used.day = d::date order by d`,
      params.values,
    );
  });
}
