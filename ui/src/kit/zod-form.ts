import { toFieldIssues } from "@licensing/contracts";
import type { FormErrors } from "@mantine/form";
import { ZodError, type z } from "zod";
import { issuesToErrors } from "./form.ts";
import { type Issue, userMessage } from "./messages.ts";

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
    // Each issue in words for the operator, from its zod details (before they are flattened away).
    const issues = result.error.issues.map((issue) =>
      issue.code === "unrecognized_keys"
        ? issue
        : {
            ...issue,
            message: userMessage({ ...(issue as object), path: issue.path.map(String).join(".") } as Issue),
          },
    );
    return issuesToErrors(toFieldIssues(new ZodError(issues)));
  };
}
