import type { Worker } from "@licensing/platform";
import type { Logger } from "pino";
import { observeDigestRun, watchDigest } from "../metrics.ts";
import type { Claim, DigestRuns, SentRun } from "./digest-runs.ts";
import { type Digests, digestMessageId } from "./digests.ts";
import type { SettingsRow } from "./entities.ts";
import { currentSlot, type DigestSlot, nextSlot, type Schedule } from "./schedule.ts";
import type { SettingsStore } from "./settings.ts";

export interface SchedulerOptions {
  settings: SettingsStore;
  runs: DigestRuns;
  digests: Digests;
  log: Logger;
  /** The clock every decision is made by; tests move it instead of waiting. */
  now: () => Date;
  /** This replica, as it appears in a lease. */
  owner: string;
  /** How long a claim on a day lasts before another replica may take it over. */
  leaseMs?: number;
  /** The longest the loop sleeps before looking again (settings changed elsewhere, a moved clock). */
  pollMs?: number;
}

/** What one pass did, for tests and logs. */
export type TickOutcome =
  | "disabled"
  | "not-due"
  | "no-recipients"
  | "claimed-elsewhere"
  /** Another day's digest went out less than 24 hours before this one was due (spacingAllows). */
  | "too-soon"
  | "sent"
  | "nothing-to-report"
  | "failed";

const minute = 60_000;

/** The wait before attempt n + 1 after n failed ones: 1, 2, 4, 8, 16, then every 30 minutes. */
export function backoffMs(failedAttempts: number): number {
  return Math.min(minute * 2 ** Math.max(0, failedAttempts - 1), 30 * minute);
}

/**
 * The daily digest's clock work, in every replica: at the scheduled minute (and at every poll
 * after), work out which day's digest is due, claim it, build it, send it, record it. The claim
 * (digest-runs.ts) makes only one replica send; a failure is retried with backoff until it goes or
 * the next day's digest becomes due.
 */
export class DigestScheduler implements Worker {
  readonly #o: Required<SchedulerOptions>;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #ticks = 0;
  #unwatch: (() => void) | undefined;

  constructor(options: SchedulerOptions) {
    this.#o = { leaseMs: 10 * minute, pollMs: minute, ...options };
  }

  /** Passes completed since start (a test waits for some to know every replica has looked). */
  get ticks(): number {
    return this.#ticks;
  }

  start(): void {
    this.#running = true;
    // A disabled digest is not expected to run: its last run's time reads 0, which the alert skips.
    this.#unwatch ??= watchDigest(
      async () => ((await this.#o.settings.load()).enabled ? this.#o.runs.lastCompletedAt() : undefined),
      this.#o.log,
    );
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }

  /** Looks again now (the settings changed). */
  wake(): void {
    this.#wake?.();
  }

  /** One pass: sends the digest due now if no replica has, and records what happened. */
  async tick(): Promise<TickOutcome> {
    const settings = await this.#o.settings.load();
    const now = this.#o.now();
    const slot = dueSlot(settings, now);
    if (!settings.enabled) return "disabled";
    if (!slot) return "not-due";
    if (settings.recipients.length === 0 && !settings.includeCreators) return "no-recipients";
    const claim = await this.#o.runs.claim(
      slot.day,
      slot.scheduledAt,
      this.#o.owner,
      now,
      this.#o.leaseMs,
      settings,
    );
    if (!claim)
      return spacingAllows(slot, settings, await this.#o.runs.lastSentRun())
        ? "claimed-elsewhere"
        : "too-soon";
    const outcome = await this.#send(settings, slot, claim);
    observeDigestRun(outcome === "nothing-to-report" ? "nothing_to_report" : outcome);
    return outcome;
  }

  async #send(
    settings: SettingsRow,
    slot: DigestSlot,
    claim: Claim,
  ): Promise<"sent" | "nothing-to-report" | "failed"> {
    const { runs, digests, log } = this.#o;
    const started = this.#o.now();
    try {
      const digest = await digests.build(settings, slot.day, started);
      if (digest.rows.length === 0 && !settings.sendWhenEmpty) {
        await runs.complete(claim, this.#o.now(), { outcome: "nothing_to_report", rows: 0, recipients: 0 });
        log.info({ day: slot.day }, "nothing to report today: no digest sent");
        return "nothing-to-report";
      }
      if (digest.to.length + digest.cc.length === 0)
        throw new Error(
          "No recipient: none is configured and no listed license's creator has an email address",
        );
      const sent = await digests.send(settings, digest, digestMessageId(settings, slot.day));
      const note = sent.rejected.length
        ? `Rejected by the mail server: ${sent.rejected.join(", ")}`
        : undefined;
      const recorded = await runs.complete(claim, this.#o.now(), {
        outcome: "sent",
        messageId: sent.messageId,
        rows: digest.rows.length,
        recipients: sent.accepted.length,
        ...(note ? { note } : {}),
      });
      if (!recorded)
        log.warn(
          { day: slot.day },
          "digest sent after this replica's lease had expired: it may have gone twice",
        );
      log.info(
        { day: slot.day, rows: digest.rows.length, messageId: sent.messageId, attempt: claim.attempt },
        "expiry digest sent",
      );
      return "sent";
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const next = new Date(this.#o.now().getTime() + backoffMs(claim.attempt));
      await runs.fail(claim, this.#o.now(), message, next);
      log.warn(
        { day: slot.day, attempt: claim.attempt, nextAttemptAt: next.toISOString(), error: message },
        "expiry digest not sent; will retry",
      );
      return "failed";
    }
  }

  /** When the loop should look next: the next scheduled minute, capped by the poll interval. */
  async #delay(): Promise<number> {
    const settings = await this.#o.settings.load();
    const now = this.#o.now();
    const next = nextSlot(settings, now)?.scheduledAt.getTime() ?? Number.POSITIVE_INFINITY;
    return Math.max(0, Math.min(this.#o.pollMs, next - now.getTime()));
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let delay = this.#o.pollMs;
      try {
        await this.tick();
        delay = await this.#delay();
      } catch (error) {
        // The database or the bus is away: the next pass tries again.
        this.#o.log.warn({ err: error }, "digest schedule check failed");
      }
      this.#ticks++;
      if (!this.#running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}

/**
 * At most one scheduled digest per 24 hours: a day's digest goes out only if no other day's went
 * out later than 24 hours before its scheduled instant; otherwise that day's is skipped (a change
 * of zone or time must not send a second "daily" digest the same real day). The one exception is
 * the previous day of the same schedule (same zone and time), so a daylight-saving day (23 hours)
 * or a previous day sent late after retries never holds the next day back. An operator who wants
 * a digest now asks for it explicitly (the test email, which the schedule ignores). The claim
 * (DigestRuns.claim) applies the same rule in SQL; this copy explains a refused claim and finds
 * the next digest that will go.
 */
export function spacingAllows(slot: DigestSlot, schedule: Schedule, last: SentRun | undefined): boolean {
  if (!last || last.day === slot.day) return true;
  if (last.sentAt.getTime() <= slot.scheduledAt.getTime() - 24 * 60 * minute) return true;
  return (
    last.timeZone === schedule.timeZone &&
    last.dailyTime === schedule.dailyTime &&
    last.day === previousDay(slot.day)
  );
}

function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 24 * 60 * minute).toISOString().slice(0, 10);
}

/**
 * The digest due at `now`: the latest scheduled one, unless it was scheduled before the notifier was
 * installed (a first start at 07:00 does not send yesterday's digest, nor one at 15:00 today's).
 */
export function dueSlot(settings: SettingsRow, now: Date): DigestSlot | undefined {
  const slot = currentSlot(settings, now);
  return slot && slot.scheduledAt.getTime() >= settings.createdAt.getTime() ? slot : undefined;
}
