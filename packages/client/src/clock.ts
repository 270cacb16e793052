import { LicenseError } from "./errors.ts";
import type { ClientState } from "./state.ts";

/**
 * Monotonic time (docs/client.md, "The clock"): the state keeps the highest time ever seen, every
 * decision uses the later of it and the clock, and a clock more than the tolerance behind it is
 * refused. Small steps back never move it backwards, so they add up to a refusal.
 */
export function checkClock(state: ClientState, now: Date, toleranceMs: number): void {
  if (state.highestTime === null) return;
  if (now.getTime() < Date.parse(state.highestTime) - toleranceMs) {
    throw new LicenseError(
      "clock_set_back",
      `The clock (${now.toISOString()}) is behind a time this machine has already seen (${state.highestTime}); set the correct time`,
    );
  }
}

/** The time decisions use: the clock, or the highest time seen when that is later. */
export function effectiveNow(state: ClientState, now: Date): Date {
  if (state.highestTime === null) return now;
  const highest = Date.parse(state.highestTime);
  return highest > now.getTime() ? new Date(highest) : now;
}

/**
 * Raises the highest time seen to `time` when it is later by more than `granularityMs` (validations
 * record it about once a second rather than on every call). Returns whether it moved.
 */
export function observeTime(state: ClientState, time: Date | string, granularityMs = 0): boolean {
  const at = typeof time === "string" ? Date.parse(time) : time.getTime();
  if (!Number.isFinite(at)) return false;
  if (state.highestTime !== null && at <= Date.parse(state.highestTime) + granularityMs) return false;
  state.highestTime = new Date(at).toISOString();
  return true;
}

/**
 * The time a decision uses, on the freshest state: refuses a clock set back (checkClock), records
 * the clock as seen (observeTime), and answers the later of the clock and the highest time seen.
 */
export function decisionTime(state: ClientState, clock: Date, toleranceMs: number, granularityMs = 0): Date {
  checkClock(state, clock, toleranceMs);
  observeTime(state, clock, granularityMs);
  return effectiveNow(state, clock);
}
