import type { Dashboard, LicenseStatus } from "@licensing/contracts";
import { type EntityManager, type Orm, query } from "@licensing/platform";
import { IsolationLevel } from "@mikro-orm/core";
import { type ExpiryRule, noticeBegunSql } from "./expiry.ts";

const day = 86_400_000;

/**
 * Dashboard figures, computed from roll-ups the database keeps exact on every change (append-only
 * deltas, summed here and folded now and then by stats_compact; see the migrations), so they cost
 * about the same for a thousand licenses or a million. The roll-ups count by day; the few days on
 * which a status changes during the day (today, and the day each notice window opens) and the
 * partial days at the ends of each horizon are counted precisely from the licenses themselves.
 */
export class DashboardFigures {
  readonly #orm: Orm;
  readonly #expiry: ExpiryRule;

  constructor(orm: Orm, expiry: ExpiryRule) {
    this.#orm = orm;
    this.#expiry = expiry;
  }

  async compute(): Promise<Dashboard> {
    // One snapshot for every figure; days are UTC days.
    return this.#orm.em.fork().transactional(
      async (em) => {
        await query(em, "set local timezone = 'UTC'");
        const [clock] = await query<{ now: Date; today: string; local_today: string }>(
          em,
          `select now() as now, to_char(current_date, 'YYYY-MM-DD') as today,
             to_char(${this.#expiry.todaySql()}, 'YYYY-MM-DD') as local_today`,
        );
        const { now, today, local_today: localToday } = clock!;
        const rollUps = await this.#rollUps(em, today, localToday);
        const boundaryDays = [
          ...new Set([today, ...rollUps.filter((r) => r.what === "boundary-day").map((r) => r.key)]),
        ];
        const precise = await this.#preciseStatus(em, today, localToday, boundaryDays);
        const edges = await horizonEdges(em, today);
        const [products, issuedPerDay, issuedPerWeek, topAccounts] = [
          await query<{ kind: string; internal: boolean; product: string; main: boolean; n: string }>(
            em,
            "select kind, internal, product, main, sum(n) as n from issuer.stats_by_product group by 1, 2, 3, 4 having sum(n) <> 0",
          ),
          await issuedPer(em, "day", today),
          await issuedPer(em, "week", today),
          await top(em),
        ];
        const of = (what: string) => rollUps.filter((r) => r.what === what);
        const mains = products.filter((p) => p.main);
        const byStatus = new Map<LicenseStatus, number>(
          ["active", "expiring", "expired", "suspended", "revoked"].map((s) => [s as LicenseStatus, 0]),
        );
        for (const { key, n } of [...of("status"), ...precise]) {
          if (key !== "boundary")
            byStatus.set(key as LicenseStatus, byStatus.get(key as LicenseStatus)! + Number(n));
        }
        const within = (days: 30 | 60 | 90) =>
          edges.todayLeft +
          Number(of("within").find((r) => r.key === String(days))?.n ?? 0) +
          edges[`d${days}`];
        const firstWeek = mondayOf(today);
        const perWeek = of("week");
        return {
          total: Number(of("total")[0]?.n ?? 0),
          byStatus: [...byStatus].map(([key, count]) => ({ key, count })),
          // A license counts once by kind (its main product's row), and under each of its products,
          // as the list filtered by a product finds it.
          byKind: countBy(mains.map((p) => [p.kind, Number(p.n)])),
          byProduct: countBy(products.map((p) => [p.product, Number(p.n)])),
          internal: mains.filter((p) => p.internal).reduce((total, p) => total + Number(p.n), 0),
          issuedPerDay: issuedPerDay.map(({ period, commercial, test }) => ({
            day: period,
            commercial,
            test,
          })),
          issuedPerWeek: issuedPerWeek.map(({ period, commercial, test }) => ({
            week: period,
            commercial,
            test,
          })),
          expiringWithin: { d30: within(30), d60: within(60), d90: within(90) },
          expiringPerWeek: Array.from({ length: 13 }, (_, w) => {
            const week = addDays(firstWeek, 7 * w);
            const whole = Number(perWeek.find((r) => r.key === week)?.n ?? 0);
            return { week, count: whole + (w === 0 ? edges.todayLeft : 0) };
          }),
          topAccounts,
          at: new Date(now).toISOString(),
        };
      },
      { isolationLevel: IsolationLevel.REPEATABLE_READ },
    );
  }

  /**
   * Every figure the day roll-up answers, classified in SQL: statuses of whole days ('boundary' for
   * the days counted precisely), the days on which some licenses' notice windows open while others'
   * do not, whole days inside each expiry horizon, whole days per week ahead, and the total.
   *
   * The roll-up counts by UTC end day; the status rule (ExpiryRule) counts calendar days in its own
   * zone. The licenses of one UTC day end on local days from `lo` to `hi` (the same day in UTC,
   * two consecutive days elsewhere), so a bucket is wholly `expiring` when its window has begun
   * for `hi`, wholly `active` when not even for `lo`, and counted precisely otherwise: one UTC day
   * per notice window in use, besides today.
   */
  #rollUps(em: EntityManager, today: string, localToday: string) {
    return query<{ what: string; key: string; n: string }>(
      em,
      `with b as (
         select state, end_day, case when notify_days < 0 then $2 else notify_days end as notice, sum(n) as n
         from issuer.stats_by_end group by 1, 2, 3 having sum(n) <> 0),
       active as (
         select *, ${localDay("end_day", "$4")} - notice as lo, ${localDay("end_day + 1", "$4", true)} - notice as hi
         from b where state = 'active' and end_day <> 'infinity' and end_day > $1::date)
       select 'status' as what, case
           when state <> 'active' then state
           when end_day = 'infinity' then 'active'
           when end_day < $1::date then 'expired'
           else 'boundary' end as key, sum(n) as n
       from b where state <> 'active' or end_day <= $1::date or end_day = 'infinity' group by 1, 2
       union all
       select 'status', case when lo > $3::date then 'active' when hi <= $3::date then 'expiring' else 'boundary' end,
         sum(n)
       from active group by 1, 2
       union all
       select 'boundary-day', to_char(end_day, 'YYYY-MM-DD'), sum(n) from active where lo <= $3::date and hi > $3::date group by 2
       union all
       select 'within', h::text, sum(n) from active, unnest(array[30, 60, 90]) h where end_day < $1::date + h group by 2
       union all
       select 'week', to_char(date_trunc('week', end_day), 'YYYY-MM-DD'), sum(n) from active
       where end_day < date_trunc('week', $1::date)::date + 91 group by 2
       union all
       select 'total', '', sum(n) from b`,
      [today, this.#expiry.defaultNotifyDays, localToday, this.#expiry.timeZone],
    );
  }

  /**
   * Statuses of the licenses of the boundary buckets (ending today, or on a UTC day whose notice
   * windows open today for some of its licenses), by the status rule itself. One index-only range
   * scan per day (`days` are distinct).
   */
  #preciseStatus(em: EntityManager, today: string, localToday: string, days: string[]) {
    const notice = this.#expiry.noticeSql("l.notify_days");
    const begun = noticeBegunSql({ end: "l.end_date", notice, day: "$2::date", zone: "$3" });
    return query<{ key: LicenseStatus; n: string }>(
      em,
      `select case when l.end_date <= now() then 'expired' when ${begun} then 'expiring' else 'active' end as key,
         count(*) as n
       from unnest($4::date[]) d
       join issuer.licenses l on l.state = 'active' and l.end_date >= d and l.end_date < d + 1
       where d = $1::date
          or (${localDay("d", "$3")} - ${notice} <= $2::date and ${localDay("d + 1", "$3", true)} - ${notice} > $2::date)
       group by 1`,
      [today, localToday, this.#expiry.timeZone, days],
    );
  }
}

/**
 * SQL: the calendar day, in the zone `zone` (a parameter), of the start of UTC day `utcDay` (or,
 * with `before`, of the instant just before it).
 */
function localDay(utcDay: string, zone: string, before = false): string {
  const instant = `((${utcDay})::timestamp at time zone 'UTC'${before ? " - interval '1 microsecond'" : ""})`;
  return `(${instant} at time zone ${zone})::date`;
}

/**
 * Active licenses in the partial days at each horizon's ends: the rest of today, and day 30/60/90
 * up to this time of day. Each is one range of the active-by-end index, counted from the index alone.
 */
async function horizonEdges(em: EntityManager, today: string) {
  const activeEnding = (range: string) =>
    `(select count(*) from issuer.licenses l where l.state = 'active' and ${range})`;
  const [row] = await query<{ today_left: string; d30: string; d60: string; d90: string }>(
    em,
    `select ${activeEnding("l.end_date > now() and l.end_date < $1::date + 1")} as today_left,
       ${activeEnding("l.end_date >= $1::date + 30 and l.end_date <= now() + interval '30 days'")} as d30,
       ${activeEnding("l.end_date >= $1::date + 60 and l.end_date <= now() + interval '60 days'")} as d60,
       ${activeEnding("l.end_date >= $1::date + 90 and l.end_date <= now() + interval '90 days'")} as d90`,
    [today],
  );
  return {
    todayLeft: Number(row!.today_left),
    d30: Number(row!.d30),
    d60: Number(row!.d60),
    d90: Number(row!.d90),
  };
}

async function issuedPer(em: EntityManager, unit: "day" | "week", today: string) {
  const periods = unit === "day" ? 30 : 26;
  const first =
    unit === "day" ? addDays(today, -(periods - 1)) : addDays(mondayOf(today), -7 * (periods - 1));
  const rows = await query<{ period: string; kind: "commercial" | "test"; n: string }>(
    em,
    `select to_char(date_trunc($1, created_day), 'YYYY-MM-DD') as period, kind, sum(n) as n
     from issuer.stats_by_created where created_day >= $2::date group by 1, 2`,
    [unit, first],
  );
  const byPeriod = new Map<string, { commercial: number; test: number }>();
  for (let i = 0; i < periods; i++)
    byPeriod.set(addDays(first, unit === "day" ? i : 7 * i), { commercial: 0, test: 0 });
  for (const row of rows) {
    const entry = byPeriod.get(row.period);
    if (entry) entry[row.kind] += Number(row.n);
  }
  return [...byPeriod].map(([period, counts]) => ({ period, ...counts }));
}

/**
 * The ten accounts with the most licenses. Deltas are never negative (licenses are never deleted),
 * so an account outside the 20 largest folded counts and without recent deltas cannot be among them:
 * only those candidates are summed.
 */
async function top(em: EntityManager) {
  const rows = await query<{ account_id: string; n: string; account_name: string | null }>(
    em,
    `with candidates as (
       (select account_id from issuer.stats_by_account where folded order by n desc limit 20)
       union select account_id from issuer.stats_by_account where not folded)
     select t.account_id, t.n,
            (select l.account_name from issuer.licenses l where l.account_id = t.account_id order by l.created_at desc limit 1) as account_name
     from (select s.account_id, sum(s.n) as n from issuer.stats_by_account s join candidates c using (account_id)
           group by s.account_id having sum(s.n) > 0) t
     order by t.n desc, t.account_id limit 10`,
  );
  return rows.map((row) => ({
    accountId: row.account_id,
    accountName: row.account_name ?? row.account_id,
    count: Number(row.n),
  }));
}

function countBy(entries: [string, number][]): { key: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const [key, n] of entries) counts.set(key, (counts.get(key) ?? 0) + n);
  return [...counts]
    .filter(([, count]) => count > 0)
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

function addDays(isoDay: string, days: number): string {
  return new Date(Date.parse(`${isoDay}T00:00:00Z`) + days * day).toISOString().slice(0, 10);
}

function mondayOf(isoDay: string): string {
  const weekday = new Date(`${isoDay}T00:00:00Z`).getUTCDay();
  return addDays(isoDay, -((weekday + 6) % 7));
}
