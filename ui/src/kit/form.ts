import type { FormErrors } from "@mantine/form";
import { ApiError } from "./api.ts";
import { userMessage } from "./messages.ts";

/** Where an error about the whole request (no field path) is kept among a form's errors. */
export const formError = "_form";

/** Issues (the server's or the browser's) as form errors by field, each in words for the operator. */
export function issuesToErrors(issues: readonly { path: string; message: string }[]): FormErrors {
  const errors: FormErrors = {};
  for (const issue of issues) {
    const path = issue.path || formError;
    errors[path] ??= userMessage(issue);
  }
  return errors;
}

interface ErrorSettable {
  setErrors(errors: FormErrors): void;
}

/**
 * Puts a server's `validation_failed` issues on the matching fields. Returns whether the error was
 * placed on the form (so the caller need not show it again).
 */
export function applyServerErrors(form: ErrorSettable, error: unknown): boolean {
  if (!(error instanceof ApiError) || error.code !== "validation_failed" || error.issues.length === 0)
    return false;
  form.setErrors(issuesToErrors(error.issues));
  return true;
}

/** `""` from a text input as `null`, the way optional text travels in the contracts. */
export function emptyToNull(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}
