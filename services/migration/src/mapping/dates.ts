// Legacy dates come in whatever the exporting tool wrote: `2024-03-01 13:45:00.000`, `03/01/2024`,
// `01.03.2024 13:45`, ISO 8601 with an offset. A mapping lists the formats a column may hold, tried in
// order, and the time zone the wall-clock times were written in. Formats use the usual tokens
// (yyyy MM M dd d HH H hh h mm ss S… a, text in single quotes); `iso` is ISO 8601, whose own offset
// wins over the zone. Hand-written rather than a date library: the tokens are few, and the zone
// arithmetic is Intl's, so parsing is strict and has no dependency of its own.

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

const ISO =
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})(?:[T ](?<hour>\d{2}):(?<minute>\d{2})(?::(?<second>\d{2})(?:\.(?<fraction>\d{1,7}))?)?)?(?<offset>Z|[+-]\d{2}:?\d{2})?$/;

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
  const compiled = formats.map((format) => (format === "iso" ? ISO : compile(format)));
  return (text) => {
    const trimmed = text.trim();
    for (const pattern of compiled) {
      const groups = pattern.exec(trimmed)?.groups;
      if (groups === undefined) continue;
      const iso = toUtc(groups, timeZone);
      if (iso !== null) return iso;
    }
    return null;
  };
}

function compile(format: string): RegExp {
  const source = (format.match(TOKENS) ?? [])
    .map((token) => {
      if (PATTERNS[token] !== undefined) return PATTERNS[token];
      if (/^S+$/.test(token)) return `(?<fraction>\\d{${token.length}})`;
      const literal = token.startsWith("'") && token.length > 1 ? token.slice(1, -1) : token;
      return literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${source}$`);
}

/** What a parser answers for .NET `DateTime.MinValue` (0001-01-01T00:00:00): "no date" in the legacy databases. */
export const NO_DATE = "no-date";

function toUtc(groups: Record<string, string | undefined>, timeZone: string): string | null {
  const year = Number(groups.year);
  const month = Number(groups.month);
  const day = Number(groups.day);
  let hour = Number(groups.hour ?? 0);
  if (groups.hour12 !== undefined) {
    const h = Number(groups.hour12);
    if (h < 1 || h > 12) return null;
    hour = (h % 12) + (groups.ampm?.toLowerCase() === "pm" ? 12 : 0);
  }
  const minute = Number(groups.minute ?? 0);
  const second = Number(groups.second ?? 0);
  const millis = Number((groups.fraction ?? "").padEnd(3, "0").slice(0, 3));
  if (year === 1 && month === 1 && day === 1 && hour === 0 && minute === 0 && second === 0) return NO_DATE;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(wall);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null; // 31 February
  if (groups.offset !== undefined)
    return new Date(wall - offsetMinutes(groups.offset) * 60_000).toISOString();
  if (timeZone === "UTC") return check.toISOString();
  // The instant whose wall clock in the zone reads `wall`: subtract the zone's offset, then check it
  // again at the result (a DST change between the two moves it once more).
  let utc = wall - zoneOffset(wall, timeZone);
  const again = zoneOffset(utc, timeZone);
  if (again !== zoneOffset(wall, timeZone)) utc = wall - again;
  return new Date(utc).toISOString();
}

function offsetMinutes(offset: string): number {
  if (offset === "Z") return 0;
  const digits = offset.replace(":", "");
  const sign = digits.startsWith("-") ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at `instant`, in milliseconds. */
function zoneOffset(instant: number, timeZone: string): number {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(instant)) parts[part.type] = Number(part.value);
  const asUtc = Date.UTC(
    parts.year!,
    parts.month! - 1,
    parts.day!,
    parts.hour!,
    parts.minute!,
    parts.second!,
  );
  return asUtc - Math.floor(instant / 1000) * 1000; // the parts have no milliseconds
}
