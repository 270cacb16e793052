import type { LicenseStatus } from "@licensing/contracts";
import type { LicenseRow } from "./entities.ts";

const dayMs = 86_400_000;

/**
 * When a license is `expiring`: the one rule behind the derived status (license views, the list's
 * status filter, the dashboard) and the notifier's digest (`issuer.license.expiring`).
 *
 * A license whose end falls on calendar day E (in a time zone) is `expiring` from 00:00 of day
 * E − n in that zone, n being its notice window (`notifyDays`, else the default), until its end;
 * from its end it is `expired`. Whole calendar days, as the digest counts them: the day a license
 * first appears in the digest as "expires in n days" is the day its status turns `expiring`, and
 * with a window of 0 it is `expiring` on its last day only (the digest's "expires today").
 *
 * The status is computed in the issuer's zone (`ISSUER_TIME_ZONE`, UTC by default); the digest in
 * its own. They agree exactly when the two zones are the same.
 */
export class ExpiryRule {
  readonly defaultNotifyDays: number;
  readonly timeZone: string;
  readonly #localDay: (instant: number) => number;

  constructor(defaultNotifyDays: number, timeZone = "UTC") {
    if (!Number.isSafeInteger(defaultNotifyDays) || defaultNotifyDays < 0)
      throw new RangeError(`defaultNotifyDays must be a whole number ≥ 0, not ${defaultNotifyDays}`);
    if (!isTimeZone(timeZone)) throw new RangeError(`${timeZone} is not an IANA time zone`);
    this.defaultNotifyDays = defaultNotifyDays;
    this.timeZone = timeZone;
    this.#localDay = localDayNumber(timeZone);
  }

  /** The derived status of a license at `now`. */
  status(row: Pick<LicenseRow, "state" | "endDate" | "notifyDays">, now: Date): LicenseStatus {
    if (row.state !== "active") return row.state;
    if (!row.endDate) return "active";
    const end = row.endDate.getTime();
    if (end <= now.getTime()) return "expired";
    const notice = row.notifyDays ?? this.defaultNotifyDays;
    return this.#localDay(end) - notice <= this.#localDay(now.getTime()) ? "expiring" : "active";
  }

  /**
   * The same rule in SQL: the condition under which license row `l` has `status` at the database's
   * now(). The zone and the default are checked values, safe to inline.
   */
  statusCondition(status: LicenseStatus): string {
    const begun = noticeBegunSql({
      end: "l.end_date",
      notice: this.noticeSql("l.notify_days"),
      day: this.todaySql(),
      zone: `'${this.timeZone}'`,
    });
    switch (status) {
      case "revoked":
      case "suspended":
        return `l.state = '${status}'`;
      case "expired":
        return "(l.state = 'active' and l.end_date <= now())";
      case "expiring":
        return `(l.state = 'active' and l.end_date > now() and ${begun})`;
      case "active":
        // A window not yet begun starts tomorrow at the earliest, so its end is still ahead.
        return `(l.state = 'active' and (l.end_date is null or not ${begun}))`;
    }
  }

  /** A license's notice window in SQL, given its `notify_days` column. */
  noticeSql(column: string): string {
    return `coalesce(${column}, ${this.defaultNotifyDays})`;
  }

  /** Today, in the rule's zone, as an SQL date. */
  todaySql(): string {
    return `(now() at time zone '${this.timeZone}')::date`;
  }
}

/**
 * SQL: the notice window of a license ending at `end` has begun by calendar day `day` in `zone`,
 * i.e. its end's day minus `notice` is `day` or earlier; written as a bound on `end` (it ends before
 * the start of day `day` + `notice` + 1) so the end-date index can serve it.
 */
export function noticeBegunSql(p: { end: string; notice: string; day: string; zone: string }): string {
  return `(${p.end} < ((${p.day} + ${p.notice} + 1)::timestamp at time zone ${p.zone}))`;
}

/** Whether `timeZone` is an IANA zone name (as Intl knows them; also safe to quote in SQL). */
export function isTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** A function giving the calendar day of an instant in `timeZone`, as days since 1970-01-01. */
function localDayNumber(timeZone: string): (instant: number) => number {
  if (timeZone === "UTC" || timeZone === "Etc/UTC") return (instant) => Math.floor(instant / dayMs);
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  return (instant) => Date.parse(`${format.format(instant)}T00:00:00Z`) / dayMs;
}
