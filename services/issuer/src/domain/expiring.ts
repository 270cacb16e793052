import { AppError, type issuer, type RequestOf } from "@licensing/contracts";
import { type Orm, query } from "@licensing/platform";
import { type ExpiryRule, isTimeZone, noticeBegunSql } from "./expiry.ts";
import { summaryColumns, summaryRow, toSummary } from "./license-views.ts";

type ExpiringRequest = RequestOf<typeof issuer.expiring>;

/**
 * For the notifier's daily digest: active licenses whose notice window has begun by `day` in the
 * digest's time zone (the rule of ExpiryRule, applied in that zone with the digest's default
 * window) and that end on `day` or later, with the days left. Those ending on `day` itself are its
 * "expired today" and "expires today". Ordered by end, a page at a time. Each row's `status` is the
 * issuer's own (ExpiryRule in the issuer's zone, at the time of the request).
 */
export async function expiringLicenses(orm: Orm, request: ExpiringRequest, expiry: ExpiryRule) {
  checkTimeZone(request.timeZone);
  const em = orm.em.fork();
  // The widest window in use bounds the index range; the per-license window filters within it.
  const [widest] = await query<{ n: number | null }>(
    em,
    "select max(notify_days) as n from (select notify_days from issuer.stats_by_end group by notify_days having sum(n) > 0) windows",
  );
  const maxWindow = Math.max(widest?.n ?? 0, request.defaultNotifyDays);
  // $1 day, $2 zone, $3 default window, $4 widest window + 1.
  const params: unknown[] = [request.day, request.timeZone, request.defaultNotifyDays, maxWindow + 1];
  const where = [
    "l.state = 'active'",
    "l.end_date >= ($1::date)::timestamp at time zone $2",
    "l.end_date < ($1::date + $4::int)::timestamp at time zone $2",
    noticeBegunSql({
      end: "l.end_date",
      notice: "coalesce(l.notify_days, $3::int)",
      day: "$1::date",
      zone: "$2",
    }),
  ];
  if (request.cursor) {
    const [end, id] = decodeCursor(request.cursor);
    params.push(end, id);
    where.push(`(l.end_date, l.id) > ($${params.length - 1}::timestamptz, $${params.length})`);
  }
  params.push(request.limit + 1);
  const rows = await query<Record<string, unknown>>(
    em,
    `select ${summaryColumns}, ((l.end_date at time zone $2)::date - $1::date) as "daysLeft"
     from issuer.licenses l where ${where.join(" and ")}
     order by l.end_date, l.id limit $${params.length}`,
    params,
  );
  const now = new Date();
  const more = rows.length > request.limit;
  const shown = more ? rows.slice(0, request.limit) : rows;
  const items = shown.map((row) => ({
    ...toSummary(summaryRow(row), now, expiry),
    daysLeft: Number(row.daysLeft),
  }));
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      more && last ? Buffer.from(JSON.stringify([last.endDate, last.id])).toString("base64url") : null,
  };
}

function checkTimeZone(timeZone: string): void {
  if (!isTimeZone(timeZone)) {
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
