import type { DigestRun } from "@licensing/contracts";
import { execute, type Orm, query, queryOne } from "@licensing/platform";
import type { Schedule } from "./schedule.ts";

/** The digest sent last, as the spacing rule needs it (see spacingAllows). */
export interface SentRun {
  day: string;
  sentAt: Date;
  timeZone: string | null;
  dailyTime: string | null;
}

/** A day's digest this replica holds the lease on: it alone may send it until `leaseUntil`. */
export interface Claim {
  day: string;
  owner: string;
  attempt: number;
  leaseUntil: Date;
}

interface RunRow {
  day: string;
  scheduled_at: Date;
  outcome: "sent" | "nothing_to_report" | null;
  attempts: number;
  lease_owner: string | null;
  lease_until: Date | null;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  sent_at: Date | null;
  message_id: string | null;
  row_count: number | null;
  recipient_count: number | null;
}

const columns = `day::text as day, scheduled_at, outcome, attempts, lease_owner, lease_until, next_attempt_at,
  last_attempt_at, last_error, last_error_at, sent_at, message_id, row_count, recipient_count`;

/**
 * One row per digest day, the record that makes the digest go out once however many replicas run.
 * A replica sends only after claiming the day: one conditional UPDATE that succeeds for a single
 * replica (PostgreSQL re-checks the condition on the row it locked), setting a lease with an
 * expiry. Success records the outcome; a failure releases the lease and sets the next attempt
 * (backoff). A replica that dies while holding the lease leaves it to expire, and another takes over.
 * Every time comes from the caller's clock, so tests move time instead of waiting for it.
 */
export class DigestRuns {
  readonly #orm: Orm;

  constructor(orm: Orm) {
    this.#orm = orm;
  }

  /**
   * Claims the day's digest for `owner`, unless it is done, leased, waiting for its next attempt,
   * or too soon (see spacingAllows): another day's digest went out later than 24 hours before this
   * one's scheduled instant and is not the previous day of the same schedule, or another day's is
   * being sent right now. Claims are taken one at a time (an advisory lock), so two replicas that
   * see different settings for a moment, and so different days, cannot both pass that check.
   */
  async claim(
    day: string,
    scheduledAt: Date,
    owner: string,
    now: Date,
    leaseMs: number,
    schedule: Schedule,
  ): Promise<Claim | undefined> {
    const leaseUntil = new Date(now.getTime() + leaseMs);
    // One transaction, so nobody ever sees the day's row unclaimed.
    const claimed = await this.#orm.em.fork().transactional(async (em) => {
      await query(em, "select pg_advisory_xact_lock(hashtext('notifier digest claim'))");
      await execute(
        em,
        `insert into notifier.digest_runs (day, scheduled_at, next_attempt_at, created_at, updated_at)
         values ($1::date, $2, $2, $3, $3) on conflict (day) do nothing`,
        [day, scheduledAt, now],
      );
      // $1 owner, $2 lease until, $3 now, $4 zone, $5 time of day, $6 day, $7 scheduled at.
      return queryOne<{ attempts: number }>(
        em,
        `update notifier.digest_runs d
         set lease_owner = $1, lease_until = $2, attempts = attempts + 1, last_attempt_at = $3, updated_at = $3,
           time_zone = $4, daily_time = $5
         where d.day = $6::date and d.outcome is null and d.next_attempt_at <= $3
           and (d.lease_until is null or d.lease_until <= $3)
           and not exists (
             select 1 from notifier.digest_runs r where r.day <> d.day and (
               (r.outcome = 'sent' and r.sent_at > $7::timestamptz - interval '24 hours'
                 and not (r.day = d.day - 1 and r.time_zone = $4 and r.daily_time = $5))
               or (r.outcome is null and r.lease_until > $3)))
         returning d.attempts`,
        [owner, leaseUntil, now, schedule.timeZone, schedule.dailyTime, day, scheduledAt],
      );
    });
    return claimed ? { day, owner, attempt: claimed.attempts, leaseUntil } : undefined;
  }

  /** The digest that went out last (by the time it was sent), with the schedule it went under. */
  async lastSentRun(): Promise<SentRun | undefined> {
    const row = await queryOne<{
      day: string;
      sent_at: Date;
      time_zone: string | null;
      daily_time: string | null;
    }>(
      this.#orm.em.fork(),
      `select day::text as day, sent_at, time_zone, daily_time from notifier.digest_runs
       where outcome = 'sent' order by sent_at desc limit 1`,
    );
    return row
      ? { day: row.day, sentAt: new Date(row.sent_at), timeZone: row.time_zone, dailyTime: row.daily_time }
      : undefined;
  }

  /** When the last digest run completed (sent, or nothing to report), by any replica; undefined before the first. */
  async lastCompletedAt(): Promise<Date | undefined> {
    const row = await queryOne<{ at: Date | null }>(
      this.#orm.em.fork(),
      `select max(updated_at) as at from notifier.digest_runs where outcome is not null`,
    );
    return row?.at ? new Date(row.at) : undefined;
  }

  /** Records the outcome; false when the lease was lost meanwhile (another replica took the day over). */
  async complete(
    claim: Claim,
    now: Date,
    result: {
      outcome: "sent" | "nothing_to_report";
      messageId?: string;
      rows: number;
      recipients: number;
      note?: string;
    },
  ): Promise<boolean> {
    const changed = await execute(
      this.#orm.em.fork(),
      `update notifier.digest_runs
       set outcome = $1, sent_at = $2, message_id = $3, row_count = $4, recipient_count = $5, lease_owner = null,
         lease_until = null, last_error = coalesce($6::text, last_error),
         last_error_at = case when $6::text is null then last_error_at else $7::timestamptz end,
         updated_at = $7
       where day = $8::date and lease_owner = $9 and outcome is null`,
      [
        result.outcome,
        result.outcome === "sent" ? now : null,
        result.messageId ?? null,
        result.rows,
        result.recipients,
        result.note ?? null,
        now,
        claim.day,
        claim.owner,
      ],
    );
    return changed > 0;
  }

  /** Releases the lease after a failed attempt; the next may start at `nextAttemptAt`. */
  async fail(claim: Claim, now: Date, error: string, nextAttemptAt: Date): Promise<void> {
    await execute(
      this.#orm.em.fork(),
      `update notifier.digest_runs
       set lease_owner = null, lease_until = null, last_error = $1, last_error_at = $2, next_attempt_at = $3,
         updated_at = $2
       where day = $4::date and lease_owner = $5 and outcome is null`,
      [error, now, nextAttemptAt, claim.day, claim.owner],
    );
  }

  /** The last `limit` days, newest first, with their status as of `now` given the digest due now. */
  async recent(limit: number, now: Date, currentDay: string | undefined): Promise<DigestRun[]> {
    const rows = await query<RunRow>(
      this.#orm.em.fork(),
      `select ${columns} from notifier.digest_runs order by day desc limit $1`,
      [limit],
    );
    return rows.map((row) => toRun(row, now, currentDay));
  }

  async lastSent(now: Date, currentDay: string | undefined): Promise<DigestRun | undefined> {
    const row = await queryOne<RunRow>(
      this.#orm.em.fork(),
      `select ${columns} from notifier.digest_runs where outcome = 'sent' order by day desc limit 1`,
    );
    return row ? toRun(row, now, currentDay) : undefined;
  }

  async lastFailure(): Promise<{ day: string; at: string; error: string } | undefined> {
    const row = await queryOne<RunRow>(
      this.#orm.em.fork(),
      `select ${columns} from notifier.digest_runs where last_error_at is not null order by last_error_at desc limit 1`,
    );
    return row?.last_error && row.last_error_at
      ? { day: row.day, at: new Date(row.last_error_at).toISOString(), error: row.last_error }
      : undefined;
  }
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

function toRun(row: RunRow, now: Date, currentDay: string | undefined): DigestRun {
  const leased = row.lease_until !== null && new Date(row.lease_until).getTime() > now.getTime();
  const status: DigestRun["status"] =
    row.outcome ??
    (currentDay !== undefined && row.day < currentDay ? "missed" : leased ? "sending" : "retrying");
  return {
    day: row.day,
    status,
    scheduledAt: new Date(row.scheduled_at).toISOString(),
    attempts: row.attempts,
    lastAttemptAt: iso(row.last_attempt_at),
    nextAttemptAt: row.outcome || status === "missed" ? null : iso(row.next_attempt_at),
    lastError: row.last_error,
    sentAt: iso(row.sent_at),
    messageId: row.message_id,
    rows: row.row_count,
    recipients: row.recipient_count,
  };
}
