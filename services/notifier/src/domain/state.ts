import type { NotifierState } from "@licensing/contracts";
import type { DigestRuns } from "./digest-runs.ts";
import { currentSlot, nextSlot } from "./schedule.ts";
import { dueSlot, spacingAllows } from "./scheduler.ts";
import type { SettingsStore } from "./settings.ts";

/** What the UI's state panel and `$SRV.STATS` show: next run, last sent, last failure, recent days. */
export async function notifierState(
  settings: SettingsStore,
  runs: DigestRuns,
  now: Date,
): Promise<NotifierState> {
  const row = await settings.load();
  const current = currentSlot(row, now);
  const [recent, lastSent, lastFailure, lastSentRun] = await Promise.all([
    runs.recent(14, now, current?.day),
    runs.lastSent(now, current?.day),
    runs.lastFailure(),
    runs.lastSentRun(),
  ]);
  const due = dueSlot(row, now);
  const dueRun = due ? recent.find((r) => r.day === due.day) : undefined;
  // A due digest not done yet goes now, or at its next attempt, unless it comes too soon after the
  // last one (then it is skipped); otherwise the next scheduled one that is not too soon does.
  const pending = due && (!dueRun || dueRun.status === "retrying" || dueRun.status === "sending");
  const skipped = pending && dueRun?.status !== "sending" && !spacingAllows(due, row, lastSentRun);
  const waiting = !row.enabled
    ? "The daily digest is switched off"
    : row.recipients.length === 0 && !row.includeCreators
      ? "No recipients: add at least one to send the daily digest"
      : skipped && lastSentRun
        ? `The digest of ${due.day} is skipped: the digest of ${lastSentRun.day} went out at ` +
          `${lastSentRun.sentAt.toISOString()}, less than 24 hours before it was due (the schedule ` +
          "changed). Send a test email to have one now."
        : null;
  let nextRunAt: string | null = null;
  if (!row.enabled || (row.recipients.length === 0 && !row.includeCreators)) nextRunAt = null;
  else if (pending && !skipped) nextRunAt = dueRun?.nextAttemptAt ?? due.scheduledAt.toISOString();
  else {
    // The next slots, until one will go: not too soon, and not a day already done (a change of zone
    // can give the next slot the date of a digest sent under the old one).
    const done = (day: string) =>
      recent.some((r) => r.day === day && (r.status === "sent" || r.status === "nothing_to_report"));
    let after = now;
    for (let i = 0; i < 4 && nextRunAt === null; i++) {
      const next = nextSlot(row, after);
      if (!next) break;
      if (!done(next.day) && spacingAllows(next, row, lastSentRun))
        nextRunAt = next.scheduledAt.toISOString();
      after = next.scheduledAt;
    }
  }
  return {
    enabled: row.enabled,
    dailyTime: row.dailyTime,
    timeZone: row.timeZone,
    nextRunAt,
    waiting,
    lastSent: lastSent ?? null,
    lastFailure: lastFailure ?? null,
    recent,
    at: now.toISOString(),
  };
}
