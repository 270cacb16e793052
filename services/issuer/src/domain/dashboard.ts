import type { Dashboard, LicenseStatus } from "@licensing/contracts";
import type { EntityManager, Orm } from "@licensing/platform";
import { IsolationLevel } from "@mikro-orm/core";

interface EndBucket {
  state: "active" | "suspended" | "revoked";
  kind: string;
  internal: boolean;
  product: string;
  end_day: string;
  notify_days: number;
  n: string;
}

const day = 86_400_000;

/**
 * Dashboard figures, computed from roll-ups the database keeps exact on every change (see the
 * migration), so they cost the same for a thousand licenses or a million. The roll-ups count by day;
 * the few days on which a status changes during the day (today, and the day each notice window
 * opens) are counted precisely from the licenses themselves.
 */
export class DashboardFigures {
  readonly #orm: Orm;
  readonly #defaultNotifyDays: number;

  constructor(orm: Orm, defaultNotifyDays: number) {
    this.#orm = orm;
    this.#defaultNotifyDays = defaultNotifyDays;
  }

  async compute(): Promise<Dashboard> {
    const em = this.#orm.em.fork();
    // One snapshot for every figure; days are UTC days.
    return em.transactional(
      async (tx) => {
        await tx.execute("set local timezone = 'UTC'");
        const [clock] = await tx.execute<{ now: Date; today: string }[]>(
          "select now() as now, to_char(current_date, 'YYYY-MM-DD') as today",
        );
        const { now, today } = clock!;
        const buckets = await tx.execute<EndBucket[]>(
          `select state, kind, internal, product, case when end_day = 'infinity' then 'infinity' else to_char(end_day, 'YYYY-MM-DD') end as end_day, notify_days, n
         from issuer.stats_by_end where n <> 0`,
        );
        const statusCounts = await this.#statusCounts(tx, buckets, today);
        const [issuedPerDay, issuedPerWeek, expiring, topAccounts] = await Promise.all([
          issuedPer(tx, "day", today),
          issuedPer(tx, "week", today),
          this.#expiring(tx, buckets, today),
          top(tx),
        ]);
        const sum = (key: (b: EndBucket) => string) => countBy(buckets.map((b) => [key(b), Number(b.n)]));
        return {
          total: buckets.reduce((total, b) => total + Number(b.n), 0),
          byStatus: statusCounts,
          byKind: sum((b) => b.kind),
          byProduct: sum((b) => b.product),
          internal: buckets.filter((b) => b.internal).reduce((total, b) => total + Number(b.n), 0),
          issuedPerDay,
          issuedPerWeek,
          expiringWithin: expiring.within,
          expiringPerWeek: expiring.perWeek,
          topAccounts,
          at: new Date(now).toISOString(),
        };
      },
      { isolationLevel: IsolationLevel.REPEATABLE_READ },
    );
  }

  async #statusCounts(em: EntityManager, buckets: EndBucket[], today: string) {
    const counts = new Map<LicenseStatus, number>([
      ["active", 0],
      ["expiring", 0],
      ["expired", 0],
      ["suspended", 0],
      ["revoked", 0],
    ]);
    const add = (status: LicenseStatus, n: number) => counts.set(status, counts.get(status)! + n);
    const boundaryDays = new Set<string>([today]);
    for (const b of buckets) {
      const n = Number(b.n);
      if (b.state !== "active") add(b.state, n);
      else if (b.end_day === "infinity") add("active", n);
      else if (b.end_day < today) add("expired", n);
      else if (b.end_day === today) continue;
      else {
        const notice = b.notify_days < 0 ? this.#defaultNotifyDays : b.notify_days;
        const opens = addDays(b.end_day, -notice);
        if (notice === 0 || opens > today) add("active", n);
        else if (opens < today) add("expiring", n);
        else boundaryDays.add(b.end_day);
      }
    }
    // Licenses ending today, or whose notice window opens today: their status depends on the hour.
    const days = [...boundaryDays];
    const precise = await em.execute<{ status: LicenseStatus; n: string }[]>(
      `select case
         when l.end_date <= now() then 'expired'
         when coalesce(l.notify_days, ?) > 0 and l.end_date - make_interval(days => coalesce(l.notify_days, ?)) <= now() then 'expiring'
         else 'active' end as status, count(*) as n
       from issuer.licenses l
       where l.state = 'active' and (${days.map(() => "(l.end_date >= ?::date and l.end_date < ?::date + 1)").join(" or ")})
         and ((l.end_date at time zone 'UTC')::date = ?::date
           or (l.end_date at time zone 'UTC')::date - coalesce(l.notify_days, ?) = ?::date)
       group by 1`,
      [
        this.#defaultNotifyDays,
        this.#defaultNotifyDays,
        ...days.flatMap((d) => [d, d]),
        today,
        this.#defaultNotifyDays,
        today,
      ],
    );
    for (const row of precise) add(row.status, Number(row.n));
    return [...counts].map(([key, count]) => ({ key, count }));
  }

  async #expiring(em: EntityManager, buckets: EndBucket[], today: string) {
    const active = buckets.filter((b) => b.state === "active" && b.end_day !== "infinity");
    // Whole days strictly after today and before the last day of each horizon are inside it.
    const whole = (from: string, to: string) =>
      active.filter((b) => b.end_day >= from && b.end_day < to).reduce((t, b) => t + Number(b.n), 0);
    // The partial days at each horizon's ends, counted precisely.
    const [edges] = await em.execute<{ today_left: string; d30: string; d60: string; d90: string }[]>(
      `with d as (select ?::date as today)
       select count(*) filter (where l.end_date > now() and l.end_date < d.today + 1) as today_left,
              count(*) filter (where l.end_date >= d.today + 30 and l.end_date <= now() + interval '30 days') as d30,
              count(*) filter (where l.end_date >= d.today + 60 and l.end_date <= now() + interval '60 days') as d60,
              count(*) filter (where l.end_date >= d.today + 90 and l.end_date <= now() + interval '90 days') as d90
       from issuer.licenses l, d
       where l.state = 'active' and ((l.end_date >= d.today and l.end_date < d.today + 1)
         or (l.end_date >= d.today + 30 and l.end_date < d.today + 31)
         or (l.end_date >= d.today + 60 and l.end_date < d.today + 61)
         or (l.end_date >= d.today + 90 and l.end_date < d.today + 91))`,
      [today],
    );
    const todayLeft = Number(edges!.today_left);
    const tomorrow = addDays(today, 1);
    const within = (days: number, edge: string) =>
      todayLeft + whole(tomorrow, addDays(today, days)) + Number(edge);
    const perWeek = new Map<string, number>();
    const firstWeek = mondayOf(today);
    for (let w = 0; w < 13; w++) perWeek.set(addDays(firstWeek, 7 * w), 0);
    perWeek.set(firstWeek, todayLeft);
    for (const b of active) {
      if (b.end_day <= today) continue;
      const week = mondayOf(b.end_day);
      if (perWeek.has(week)) perWeek.set(week, perWeek.get(week)! + Number(b.n));
    }
    return {
      within: { d30: within(30, edges!.d30), d60: within(60, edges!.d60), d90: within(90, edges!.d90) },
      perWeek: [...perWeek].map(([week, count]) => ({ week, count })),
    };
  }
}

async function issuedPer(em: EntityManager, unit: "day" | "week", today: string) {
  const periods = unit === "day" ? 30 : 26;
  const first =
    unit === "day" ? addDays(today, -(periods - 1)) : addDays(mondayOf(today), -7 * (periods - 1));
  const rows = await em.execute<{ period: string; kind: "commercial" | "test"; n: string }[]>(
    `select to_char(date_trunc(?, created_day), 'YYYY-MM-DD') as period, kind, sum(n) as n
     from issuer.stats_by_created where created_day >= ?::date group by 1, 2`,
    [unit, first],
  );
  const byPeriod = new Map<string, { commercial: number; test: number }>();
  for (let i = 0; i < periods; i++)
    byPeriod.set(addDays(first, unit === "day" ? i : 7 * i), { commercial: 0, test: 0 });
  for (const row of rows) {
    const entry = byPeriod.get(row.period);
    if (entry) entry[row.kind] += Number(row.n);
  }
  return [...byPeriod].map(([period, counts]) => ({
    ...(unit === "day" ? { day: period } : { week: period }),
    ...counts,
  })) as never;
}

async function top(em: EntityManager) {
  const rows = await em.execute<{ account_id: string; n: string; account_name: string }[]>(
    `select s.account_id, s.n,
            (select l.account_name from issuer.licenses l where l.account_id = s.account_id order by l.created_at desc limit 1) as account_name
     from issuer.stats_by_account s where s.n > 0 order by s.n desc, s.account_id limit 10`,
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
