import { Cron } from "croner";

/** When the digest goes out: a time of day in an IANA zone. */
export interface Schedule {
  dailyTime: string;
  timeZone: string;
}

/** One day's digest: the day (in the schedule's zone) and the instant it is due. */
export interface DigestSlot {
  day: string;
  scheduledAt: Date;
}

/**
 * The schedule as a croner pattern in its zone. A single time of day is a fixed-time job for
 * croner: on a spring-forward day whose time does not exist it runs when the clock has jumped, and
 * on a fall-back day whose time occurs twice it runs once, at the first occurrence. Nothing runs
 * on its own: the scheduler asks for instants and keeps its own (injectable) clock.
 */
function cronOf(schedule: Schedule): Cron {
  const [hour, minute] = schedule.dailyTime.split(":").map(Number);
  return new Cron(`0 ${minute} ${hour} * * *`, { timezone: schedule.timeZone, paused: true });
}

/** The latest digest due at `now` (its scheduled instant ≤ now): it stays due until the next one. */
export function currentSlot(schedule: Schedule, now: Date): DigestSlot | undefined {
  // croner leaves out a run exactly at the reference; a millisecond later includes it.
  const [last] = cronOf(schedule).previousRuns(1, new Date(now.getTime() + 1));
  return last ? { day: localDate(last, schedule.timeZone), scheduledAt: last } : undefined;
}

/** The next scheduled instant after `now`. */
export function nextSlot(schedule: Schedule, now: Date): DigestSlot | undefined {
  const next = cronOf(schedule).nextRun(now);
  return next ? { day: localDate(next, schedule.timeZone), scheduledAt: next } : undefined;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date (YYYY-MM-DD) of `instant` in `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    dateFormats.set(timeZone, format);
  }
  return format.format(instant);
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** `instant` as YYYY-MM-DD HH:MM in `timeZone`. */
export function localDateTime(instant: Date, timeZone: string): string {
  let format = dateTimeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    dateTimeFormats.set(timeZone, format);
  }
  const part = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
}
