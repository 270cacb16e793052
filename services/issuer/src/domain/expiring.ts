import { AppError, type issuer, type RequestOf } from "@licensing/contracts";
import type { Orm } from "@licensing/platform";
import { LicenseEntity } from "./entities.ts";
import { toSummary } from "./license-views.ts";

type ExpiringRequest = RequestOf<typeof issuer.expiring>;

/**
 * For the notifier's daily digest: active licenses whose notice window includes `day` (they end
 * within their `notifyDays`, else the default, after it) and those that end on `day` itself, with
 * the days left, in the digest's time zone. Ordered by end, a page at a time.
 */
export async function expiringLicenses(orm: Orm, request: ExpiringRequest, statusNotifyDays: number) {
  checkTimeZone(request.timeZone);
  const em = orm.em.fork();
  // The widest window in use bounds the index range; the per-license window filters within it.
  const [widest] = await em.execute<{ n: number | null }[]>(
    "select max(notify_days) as n from (select notify_days from issuer.stats_by_end group by notify_days having sum(n) > 0) windows",
  );
  const maxWindow = Math.max(widest?.n ?? 0, request.defaultNotifyDays);
  const dayStart = "(?::date)::timestamp at time zone ?";
  const where = [
    "l.state = 'active'",
    `l.end_date >= ${dayStart}`,
    `l.end_date < (?::date + ?)::timestamp at time zone ?`,
    `l.end_date < (?::date + coalesce(l.notify_days, ?) + 1)::timestamp at time zone ?`,
  ];
  const params: unknown[] = [
    request.day,
    request.timeZone,
    request.day,
    maxWindow + 1,
    request.timeZone,
    request.day,
    request.defaultNotifyDays,
    request.timeZone,
  ];
  if (request.cursor) {
    const [end, id] = decodeCursor(request.cursor);
    where.push("(l.end_date, l.id) > (?::timestamptz, ?)");
    params.push(end, id);
  }
  const rows = await em.execute<Record<string, unknown>[]>(
    `select l.*, ((l.end_date at time zone ?)::date - ?::date) as days_left
     from issuer.licenses l where ${where.join(" and ")}
     order by l.end_date, l.id limit ?`,
    [request.timeZone, request.day, ...params, request.limit + 1],
  );
  const now = new Date();
  const more = rows.length > request.limit;
  const shown = more ? rows.slice(0, request.limit) : rows;
  const items = shown.map((raw) => ({
    ...toSummary(em.map(LicenseEntity, raw), now, statusNotifyDays),
    daysLeft: Number(raw.days_left),
  }));
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      more && last ? Buffer.from(JSON.stringify([last.endDate, last.id])).toString("base64url") : null,
  };
}

function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat("en", { timeZone });
  } catch {
    throw AppError.validation([
      { path: "timeZone", message: `${timeZone} is not an IANA time zone (e.g. Europe/Paris)` },
    ]);
  }
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((v) => typeof v === "string"))
      return parsed as [string, string];
  } catch {
    // reported below
  }
  throw AppError.validation([{ path: "cursor", message: "is not a cursor from a previous page" }]);
}
