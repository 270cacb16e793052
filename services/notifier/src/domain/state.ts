import type { NotifierState } from "@licensing/contracts";
import type { DigestRuns } from "./digest-runs.ts";
import { currentSlot, nextSlot } from "./schedule.ts";
import { dueSlot } from "./scheduler.ts";
import type { SettingsStore } from "./settings.ts";

/** What the UI's state panel and `$SRV.STATS` show: next run, last sent, last failure, recent days. */
export async function notifierState(
  settings: SettingsStore,
  runs: DigestRuns,
  now: Date,
): Promise<NotifierState> {
  const row = await settings.load();
  const current = currentSlot(row, now);
  const [recent, lastSent, lastFailure] = await Promise.all([
    runs.recent(14, now, current?.day),
    runs.lastSent(now, current?.day),
    runs.lastFailure(),
  ]);
  const due = dueSlot(row, now);
  const dueRun = due ? recent.find((r) => r.day === due.day) : undefined;
  const waiting = !row.enabled
    ? "The daily digest is switched off"
    : row.recipients.length === 0 && !row.includeCreators
      ? "No recipients: add at least one to send the daily digest"
      : null;
  // A due digest not done yet goes now, or at its next attempt; otherwise the next scheduled one does.
  const pending = due && (!dueRun || dueRun.status === "retrying" || dueRun.status === "sending");
  const nextRunAt = waiting
    ? null
    : pending
      ? (dueRun?.nextAttemptAt ?? due.scheduledAt.toISOString())
      : (nextSlot(row, now)?.scheduledAt.toISOString() ?? null);
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
