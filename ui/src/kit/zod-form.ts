import { toFieldIssues } from "@licensing/contracts";
import type { FormErrors } from "@mantine/form";
import type { z } from "zod";
import { issuesToErrors } from "./form.ts";

// Kept apart from form.ts: it brings the contracts' schemas (and zod) along, which only the pages
// with such forms should load.

/**
 * A `validate` function for `@mantine/form` that checks the request a form would send against the
 * contract's own schema, so the browser and the server apply the same rules. Errors are keyed by the
 * same dotted paths the server uses (`contacts.0.email`), which are the form's field paths.
 */
export function zodValidate<Values>(schema: z.ZodType, toRequest: (values: Values) => unknown) {
  return (values: Values): FormErrors => {
    const result = schema.safeParse(toRequest(values));
    if (result.success) return {};
    return issuesToErrors(
      toFieldIssues(result.error).map((issue) => ({ ...issue, message: plain(issue.message) })),
    );
  };
}

/** Zod's own wording for a missing number is meant for developers; an empty number input gets this. */
function plain(message: string): string {
  return message.startsWith("Invalid input: expected number") ? "Enter a number" : message;
}
