const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const date = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** A timestamp in the operator's locale and time zone, e.g. "12 Mar 2026, 14:05". */
export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

/** A calendar date (`YYYY-MM-DD` or a timestamp) in the operator's locale. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  // A bare date is a calendar day, not midnight UTC: read it as local so it does not shift a day.
  const value = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T00:00:00`) : new Date(iso);
  return date.format(value);
}
