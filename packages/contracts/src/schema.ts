import { z } from "zod";
import { AppError, type FieldIssue } from "./errors.ts";
import { type IdKind, idPrefixes } from "./ids.ts";

/** Zod issues as field issues with dotted paths, the form every validation error takes. */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

/** Parses `value` or throws `validation_failed` naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = "request"): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw AppError.validation(toFieldIssues(result.error), what);
  return result.data;
}

/** An id of the given kind, e.g. `idOf("account")` accepts `acc_…`. */
export function idOf(kind: IdKind) {
  const prefix = `${idPrefixes[kind]}_`;
  return z.string().regex(new RegExp(`^${prefix}[0-9A-Za-z]{10,40}$`), {
    message: `must be an id starting with ${prefix}`,
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
