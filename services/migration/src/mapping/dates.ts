// Legacy dates come in whatever the exporting tool wrote: `2024-03-01 13:45:00.000`, `03/01/2024`,
// `01.03.2024 13:45`, ISO 8601 with an offset. A mapping lists the formats a column may hold, tried in
// order, and the time zone the wall-clock times were written in. Formats use Luxon's tokens (yyyy MM
// M dd d HH H hh h mm ss a, text in single quotes; S… for a fraction of a second of any length);
// `iso` is ISO 8601, whose own offset wins over the zone. This file checks that a mapping's format
// can give a whole date, matches each format as Luxon's fromFormat would (one regular expression
// built from the tokens: Luxon's own matching was most of a run's mapping time), lets Luxon turn the
// fields into an instant in the zone, and reads .NET's DateTime.MinValue as "no date".
import { DateTime, IANAZone } from "luxon";

/** A compiled date format: the text → an ISO-8601 UTC string, NO_DATE, or null when the text does not match. */
export type DateParser = (text: string) => string | null;

const TOKENS = /yyyy|MM|M|dd|d|HH|H|hh|h|mm|ss|S{1,7}|a|'[^']*'|./g;

const PATTERNS: Record<string, string> = {
  yyyy: "(?<year>\\d{4})",
  MM: "(?<month>\\d{2})",
  M: "(?<month>\\d{1,2})",
  dd: "(?<day>\\d{2})",
  d: "(?<day>\\d{1,2})",
  HH: "(?<hour>\\d{2})",
  H: "(?<hour>\\d{1,2})",
  hh: "(?<hour12>\\d{2})",
  h: "(?<hour12>\\d{1,2})",
  mm: "(?<minute>\\d{2})",
  ss: "(?<second>\\d{2})",
  a: "(?<ampm>[AaPp][Mm])",
};

/** Why a format or a zone is not usable, or null when it is (for the mapping file's validation). */
export function checkDateFormat(format: string): string | null {
  if (format === "iso") return null;
  const tokens = format.match(TOKENS) ?? [];
  const has = (re: RegExp) => tokens.some((t) => re.test(t));
  if (!has(/^yyyy$/) || !has(/^MM?$/) || !has(/^dd?$/))
    return "a date format needs yyyy, M or MM, and d or dd";
  if (has(/^hh?$/) !== has(/^a$/)) return "h and hh (12-hour clock) go with a (AM/PM), and only with it";
  const counts = new Map<string, number>();
  for (const t of tokens) {
    const group = PATTERNS[t]?.match(/<(\w+)>/)?.[1] ?? (/^S+$/.test(t) ? "fraction" : null);
    if (group !== null) counts.set(group, (counts.get(group) ?? 0) + 1);
  }
  for (const [group, n] of counts) if (n > 1) return `the format gives the ${group} twice`;
  return null;
}

export function checkTimeZone(zone: string): string | null {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return null;
  } catch {
    return `${zone} is not an IANA time zone`;
  }
}

/** A parser trying each format in order, wall-clock times taken in `timeZone`. Formats must pass checkDateFormat. */
export function dateParser(formats: readonly string[], timeZone: string): DateParser {
  const options = { zone: DailyOffsetZone.of(timeZone), locale: "en-US" };
  const parsers = formats.map((format): ((text: string) => DateTime | null) => {
    if (format === "iso") return (text) => DateTime.fromISO(text, options);
    const regex = formatRegex(format);
    return (text) => {
      const fields = regex.exec(text)?.groups;
      return fields ? DateTime.fromObject(dateValues(fields), options) : null;
    };
  });
  return (text) => {
    const trimmed = text.trim();
    for (const parse of parsers) {
      const parsed = parse(trimmed);
      if (!parsed?.isValid) continue;
      if (isMinValue(parsed)) return NO_DATE;
      return parsed.toUTC().toISO();
    }
    return null;
  };
}

const DAY_MS = 86_400_000;

/**
 * An IANA zone whose offsets are looked up once a UTC day. Luxon asks the zone's offset of every date
 * it parses, two or three times, each through Intl: that was a fifth of the migration service's CPU.
 * A day whose offset is the same at its first and its last millisecond has no transition (no zone
 * changes twice in one day), so that offset is every instant's; a day with a transition, and any
 * instant before 1970 (when zones' offsets had seconds), is asked of the zone as before.
 */
class DailyOffsetZone extends IANAZone {
  static readonly #zones = new Map<string, DailyOffsetZone>();

  /** One per zone name, so that every pass of every run shares the days already looked up. */
  static of(name: string): DailyOffsetZone {
    let zone = DailyOffsetZone.#zones.get(name);
    if (!zone) {
      zone = new DailyOffsetZone(name);
      DailyOffsetZone.#zones.set(name, zone);
    }
    return zone;
  }

  readonly #days = new Map<number, number | null>();

  override offset(ts: number): number {
    if (!(ts >= 0)) return super.offset(ts);
    const day = Math.floor(ts / DAY_MS);
    let offset = this.#days.get(day);
    if (offset === undefined) {
      if (this.#days.size >= 100_000) this.#days.clear();
      const first = super.offset(day * DAY_MS);
      offset = first === super.offset((day + 1) * DAY_MS - 1) ? first : null;
      this.#days.set(day, offset);
    }
    return offset ?? super.offset(ts);
  }
}

/**
 * The expression Luxon's fromFormat builds for the same format: anchored, case-insensitive, ASCII
 * digits, a fraction of a second of any length read as Luxon's `u` (1 to 9 digits), quoted text literal.
 */
function formatRegex(format: string): RegExp {
  const source = (format.match(TOKENS) ?? [])
    .map((token) => {
      if (/^S+$/.test(token)) return "(?<fraction>\\d{1,9})";
      const pattern = PATTERNS[token];
      if (pattern) return pattern;
      const literal = token.length > 1 && token.startsWith("'") ? token.slice(1, -1) : token;
      return literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${source}$`, "i");
}

/** The matched fields as Luxon's fromFormat hands them to fromObject (12-hour clock included). */
function dateValues(fields: Record<string, string | undefined>): Record<string, number> {
  const values: Record<string, number> = {
    year: Number(fields.year),
    month: Number(fields.month),
    day: Number(fields.day),
  };
  const hour = fields.hour ?? fields.hour12;
  if (hour !== undefined) {
    let h = Number(hour);
    if (fields.ampm !== undefined) {
      const pm = fields.ampm.toLowerCase() === "pm";
      if (pm && h < 12) h += 12;
      else if (!pm && h === 12) h = 0;
    }
    values.hour = h;
  }
  if (fields.minute !== undefined) values.minute = Number(fields.minute);
  if (fields.second !== undefined) values.second = Number(fields.second);
  if (fields.fraction !== undefined)
    values.millisecond = Math.floor(Number.parseFloat(`0.${fields.fraction}`) * 1000);
  return values;
}

/** What a parser answers for .NET `DateTime.MinValue` (0001-01-01T00:00:00): "no date" in the legacy databases. */
export const NO_DATE = "no-date";

function isMinValue(date: DateTime): boolean {
  return (
    date.year === 1 &&
    date.month === 1 &&
    date.day === 1 &&
    date.hour === 0 &&
    date.minute === 0 &&
    date.second === 0
  );
}
