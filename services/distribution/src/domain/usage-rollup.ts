import {
  type EntityManager,
  type Logger,
  type Orm,
  PollingWorker,
  query,
  queryOne,
  type Worker,
} from "@licensing/platform";
import { observeUsageRollupRun } from "../metrics.ts";

const dayMs = 86_400_000;
const hourMs = 3_600_000;
/** Idempotency keys deleted per statement when pruning. */
const keyBatch = 10_000;

/** What one run did. */
export interface RollupCounts {
  /** UTC hours whose detail was summed into usage_hourly. */
  hoursRolledUp: number;
  /** UTC days whose detail was summed into usage_daily. */
  daysRolledUp: number;
  /** Monthly detail partitions dropped, past the retention. */
  partitionsDropped: number;
}

export interface UsageRollupOptions {
  orm: Orm;
  log: Logger;
  now: () => Date;
  /** Days of usage detail kept (DISTRIBUTION_USAGE_DETAIL_RETENTION_DAYS); older days are per-day totals only. */
  retentionDays: number;
  /** How long after its end an hour (UTC) closes: the replicas' clocks may differ by up to this. */
  closeAfterMs?: number;
  /** Months of partitions made ahead of the current one. */
  monthsAhead?: number;
}

/** The start of the UTC day holding `at`. */
export function utcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / dayMs) * dayMs);
}

/** The start of the UTC hour holding `at`. */
export function utcHour(at: Date): Date {
  return new Date(Math.floor(at.getTime() / hourMs) * hourMs);
}

/**
 * The upkeep of usage data (docs/distribution.md, "Usage data"): monthly partitions made ahead, closed
 * UTC days summed into usage_daily, detail past the retention dropped once rolled up (with its
 * hours), then the closed UTC hours of the detail kept summed into usage_hourly; a day per
 * transaction (an hour or a day is in its level or not, never half). One run at a time across
 * replicas (an advisory lock, as reconciliation); a day or an hour moves only if its line still
 * names it, so even two runs could not count one twice.
 */
export class UsageRollup {
  readonly #o: Required<UsageRollupOptions>;

  constructor(options: UsageRollupOptions) {
    this.#o = { closeAfterMs: 5 * 60_000, monthsAhead: 2, ...options };
  }

  /** Makes the partitions of this month and the next ones (at start, and on every run). */
  async ensurePartitions(): Promise<void> {
    const now = this.#o.now();
    for (let month = 0; month <= this.#o.monthsAhead; month++) {
      const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + month, 1));
      await queryOne(this.#o.orm, "select distribution.usage_partition_for($1)", [at]);
    }
  }

  /** Runs once; undefined when another replica is running it. */
  async run(): Promise<RollupCounts | undefined> {
    return this.#o.orm.em.fork().transactional(async (em) => {
      const lock = await queryOne<{ ok: boolean }>(
        em,
        "select pg_try_advisory_xact_lock(hashtext('distribution usage rollup')) as ok",
      );
      if (!lock?.ok) return undefined;
      await this.ensurePartitions();
      const now = this.#o.now();
      const closedBefore = utcHour(new Date(now.getTime() - this.#o.closeAfterMs));
      await queryOne(this.#o.orm, "select distribution.usage_close_before($1)", [closedBefore]);
      let daysRolledUp = 0;
      while (await this.#rollUpNextDay()) daysRolledUp++;
      const keepFrom = new Date(utcDay(now).getTime() - this.#o.retentionDays * dayMs);
      const dropped = await queryOne<{ n: number }>(
        this.#o.orm,
        "select distribution.usage_drop_detail($1) as n",
        [keepFrom],
      );
      // The hours after the retention, so a first run over a year of detail sums only the days kept.
      let hoursRolledUp = 0;
      for (
        let hours = await this.#rollUpNextHours();
        hours !== undefined;
        hours = await this.#rollUpNextHours()
      )
        hoursRolledUp += hours;
      const keysPruned = await this.#pruneKeys(keepFrom);
      const counts = { hoursRolledUp, daysRolledUp, partitionsDropped: dropped?.n ?? 0 };
      observeUsageRollupRun(counts);
      if (counts.hoursRolledUp || counts.daysRolledUp || counts.partitionsDropped || keysPruned)
        this.#o.log.info({ ...counts, keysPruned }, "usage rolled up");
      return counts;
    });
  }

  /**
   * Deletes the idempotency keys reported before `before` (past the retention), a batch per
   * statement so no one transaction holds many rows; a retry of one is counted again, as documented.
   */
  async #pruneKeys(before: Date): Promise<number> {
    let pruned = 0;
    for (;;) {
      const batch = await queryOne<{ n: number }>(
        this.#o.orm,
        `with gone as (delete from distribution.usage_report_keys where ctid = any(array(
           select ctid from distribution.usage_report_keys where reported_at < $1 limit ${keyBatch})) returning 1)
         select count(*)::int as n from gone`,
        [before],
      );
      pruned += batch?.n ?? 0;
      if ((batch?.n ?? 0) < keyBatch) return pruned;
    }
  }

  /**
   * Sums the closed hours not rolled up yet of the first UTC day that has some into usage_hourly
   * (the detail kept only) and moves `hours_rolled_up_before` past them, in one transaction; how
   * many hours had detail, or undefined when every closed hour is rolled up. A day at a time, so
   * the first run after the level came (0016_usage_hourly) fills it from 90 days of detail in
   * steps of a day's reports.
   */
  async #rollUpNextHours(): Promise<number | undefined> {
    return this.#o.orm.em.fork().transactional(async (em) => {
      // The row lock first: a second runner waits here, then reads the line the first one moved.
      const line = await queryOne<{ start: Date | string; closed: Date | string }>(
        em,
        `select greatest(hours_rolled_up_before, detail_from) as start, closed_before as closed
         from distribution.usage_rollup_state where id = 1 for update`,
      );
      if (!line) return undefined;
      const from = await firstWithDetail(em, "hour", line.start, line.closed);
      if (!from) return undefined;
      const to = new Date(Math.min(new Date(line.closed).getTime(), utcDay(from).getTime() + dayMs));
      const rolled = await queryOne<{ hours: number }>(
        em,
        `with summed as (
           insert into distribution.usage_hourly (hour, account_id, product, units, executions)
           select date_trunc('hour', reported_at at time zone 'UTC') at time zone 'UTC', account_id, product, sum(units), count(*)
           from distribution.usage_reports where reported_at >= $1 and reported_at < $2 group by 1, 2, 3
           returning hour)
         select count(distinct hour)::int as hours from summed`,
        [from, to],
      );
      await query(em, "update distribution.usage_rollup_state set hours_rolled_up_before = $1 where id = 1", [
        to,
      ]);
      return rolled?.hours ?? 0;
    });
  }

  /**
   * Sums the first closed day not rolled up yet into usage_daily and moves `rolled_up_before` past
   * it, in one transaction; false when every closed day is. Days without detail are passed over.
   */
  async #rollUpNextDay(): Promise<boolean> {
    return this.#o.orm.em.fork().transactional(async (em) => {
      // The row lock first: a second runner waits here, then reads the line the first one moved.
      // Closing goes by the hour; a day is closed once its last hour is.
      const line = await queryOne<{ rolled: Date | string; closed: Date | string }>(
        em,
        `select rolled_up_before as rolled,
           date_trunc('day', closed_before at time zone 'UTC') at time zone 'UTC' as closed
         from distribution.usage_rollup_state where id = 1 for update`,
      );
      if (!line) return false;
      const from = await firstWithDetail(em, "day", line.rolled, line.closed);
      if (!from) return false;
      const to = new Date(from.getTime() + dayMs);
      await query(
        em,
        `insert into distribution.usage_daily (day, account_id, product, units, executions)
         select $1::date, account_id, product, sum(units), count(*) from distribution.usage_reports
         where reported_at >= $2 and reported_at < $3 group by account_id, product`,
        [from.toISOString().slice(0, 10), from, to],
      );
      // The coarser levels from the day's totals, in the same transaction: a day is in every level or
      // in none (docs/distribution.md, "Usage data").
      await query(
        em,
        `insert into distribution.usage_daily_totals (day, product, units, executions)
         select day, product, sum(units), sum(executions) from distribution.usage_daily
         where day = $1::date group by day, product`,
        [from.toISOString().slice(0, 10)],
      );
      await query(
        em,
        `insert into distribution.usage_monthly (month, account_id, product, units, executions)
         select date_trunc('month', day)::date, account_id, product, units, executions from distribution.usage_daily
         where day = $1::date
         on conflict (month, account_id, product) do update
           set units = usage_monthly.units + excluded.units, executions = usage_monthly.executions + excluded.executions`,
        [from.toISOString().slice(0, 10)],
      );
      await query(em, "update distribution.usage_rollup_state set rolled_up_before = $1 where id = 1", [to]);
      return true;
    });
  }
}

/** The line each level moves past what it has summed (distribution.usage_rollup_state). */
const lineOf = { hour: "hours_rolled_up_before", day: "rolled_up_before" } as const;

/**
 * The start of the first UTC hour or day with detail in [from, before): the first entry of an index
 * (usage_by_time), however large the table. When there is none, only empty hours or days are left,
 * so the level's line moves on to `before` (never back) and the answer is undefined.
 */
async function firstWithDetail(
  em: EntityManager,
  unit: keyof typeof lineOf,
  from: Date | string,
  before: Date | string,
): Promise<Date | undefined> {
  const first = await queryOne<{ from_ms: number | null }>(
    em,
    `select extract(epoch from date_trunc('${unit}', min(reported_at) at time zone 'UTC') at time zone 'UTC')::float8 * 1000 as from_ms
     from distribution.usage_reports where reported_at >= $1::timestamptz and reported_at < $2::timestamptz`,
    [from, before],
  );
  if (first?.from_ms != null) return new Date(first.from_ms);
  const line = lineOf[unit];
  await query(em, `update distribution.usage_rollup_state set ${line} = $1 where id = 1 and ${line} < $1`, [
    before,
  ]);
  return undefined;
}

/** Runs the rollup every `intervalMs` (none when 0); the partitions are made at start as well. */
export function usageRollupWorker(rollup: UsageRollup, intervalMs: number, log: Logger): Worker | undefined {
  if (intervalMs <= 0) return undefined;
  const poller = new PollingWorker({
    what: "roll up usage detail",
    log,
    batch: async () => {
      await rollup.run();
      return 0;
    },
    batchSize: 1,
    pollMs: intervalMs,
    maxBackoffMs: Math.min(intervalMs, 300_000),
  });
  return { start: () => poller.start(), stop: () => poller.stop() };
}
