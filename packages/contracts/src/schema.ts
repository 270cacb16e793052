import { z } from "zod";
import { AppError, type FieldIssue } from "./errors.ts";
import { acceptedIdPrefixes, type IdKind, idPrefixes } from "./ids.ts";
import { rejectUnsafeText } from "./text.ts";
import { unknownMemberMessage } from "./unknown-members.ts";

/**
 * Zod issues as field issues with dotted paths, the form every validation error takes. An unknown
 * member of a strict object is named by its own path (`availableActivation: unknown member (did you
 * mean availableActivations?)`); given the schema that was parsed, the message suggests the member
 * it resembles.
 */
export function toFieldIssues(error: z.ZodError, schema?: z.ZodType): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code !== "unrecognized_keys")
      return [{ path: issue.path.map(String).join("."), message: issue.message }];
    return issue.keys.map((key) => ({
      path: [...issue.path, key].map(String).join("."),
      message: unknownMemberMessage(schema, issue.path, key),
    }));
  });
}

/**
 * Parses `value` or throws `validation_failed` naming every bad field. Text that no store can keep
 * (a NUL, a lone surrogate: see text.ts) is refused first, wherever it is in the value.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = "request"): z.output<S> {
  rejectUnsafeText(value, what);
  const result = schema.safeParse(value);
  if (!result.success) throw AppError.validation(toFieldIssues(result.error, schema), what);
  return result.data;
}

/** An id of the given kind, e.g. `idOf("account")` accepts `acc_…`. */
export function idOf(kind: IdKind) {
  const prefixes = acceptedIdPrefixes(kind);
  const prefix = prefixes.length === 1 ? prefixes[0] : `(?:${prefixes.join("|")})`;
  return z.string().regex(new RegExp(`^${prefix}_[0-9A-Za-z]{10,40}$`), {
    message: `must be an id starting with ${idPrefixes[kind]}_`,
  });
}

/** An ISO-8601 timestamp with offset, as every time on the wire is. */
export const timestamp = z.iso.datetime({ offset: true });

/** A calendar date (YYYY-MM-DD). */
export const isoDate = z.iso.date();

/** A trimmed, non-empty string of at most `max` characters. */
export function text(max: number) {
  return z.string().trim().min(1, { message: "must not be empty" }).max(max);
}

/** Keyset pagination: an opaque cursor from the previous page and a page size. */
export const pageRequest = {
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
};

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/**
 * A table's total stops here: counting every match of a loose filter over millions of rows would
 * read them all on each change of filter, and past this many a reader needs the exact figure no more.
 */
export const MAX_COUNT = 10_000;

/** How many rows match a table's filters, counted up to MAX_COUNT. */
export const countResponse = z.object({
  /** The matches, at most MAX_COUNT. */
  count: z.number().int(),
  /** True when more match than were counted: a table shows "10,000+". */
  capped: z.boolean(),
});
