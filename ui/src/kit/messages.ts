// Every validation message a user sees is written for them. The contracts' schemas speak to
// developers ("must be an id starting with acc_", zod's "Too small: expected array to have >=1
// items"); this is the one place that turns an issue into words for the operator: first by field,
// then by kind of issue. A message it does not recognise (a domain rule's, such as "teleport is not
// an execution mode of collector") is already written for users and passes unchanged.

/** What is known of an issue: always its path and text; its zod details when it was found here. */
export interface Issue {
  path: string;
  message: string;
  code?: string;
  origin?: string;
  expected?: string;
  format?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
}

type Kind = "invalid_id" | "too_small" | "too_big" | "not_a_number" | "invalid_email" | "required";

/** Messages for one field (the last named segment of the path: `contacts.0.email` is `email`). */
const byField: Record<string, Partial<Record<Kind | "any", string>>> = {
  accountId: { any: "Choose an account" },
  products: { too_small: "Add at least one product", required: "Add at least one product" },
  executionModes: { too_small: "Choose at least one execution mode" },
  unitsType: { required: "Choose a units type", too_small: "Choose a units type" },
  name: { too_small: "Enter a name", required: "Enter a name" },
};

/**
 * The schema library's own wording, and the contracts' ids: meant for developers. A contract's own
 * message ("must say why", "must be an email address (name@example.com)") is already written for the
 * operator and is replaced only by a message of its field.
 */
const developerText =
  /^(?:Too small|Too big|Invalid input|Invalid email|Invalid string|Invalid option|must be an id starting with)/;

/** A missing thing, by what its id names: for a page opened at an id that does not exist. */
export const missing = {
  account: "No account with this id",
  license: "No license with this id",
  product: "No product with this id",
  preset: "No preset with this id",
  migrationRun: "No migration run with this id",
  release: "No release with this id",
} as const;

const rawPatterns: [RegExp, (m: RegExpMatchArray) => Partial<Issue>][] = [
  [/^must be an id starting with/, () => ({ code: "invalid_id" })],
  [
    /^Too small: expected (\w+) to (?:have|be) >=?(\d+)/,
    (m) => ({ code: "too_small", origin: m[1], minimum: Number(m[2]) }),
  ],
  [
    /^Too big: expected (\w+) to (?:have|be) <=?(\d+)/,
    (m) => ({ code: "too_big", origin: m[1], maximum: Number(m[2]) }),
  ],
  [/^Invalid input: expected number/, () => ({ code: "invalid_type", expected: "number" })],
  [/^Invalid input: expected (?:string|array), received undefined/, () => ({ code: "required" })],
  [/^Invalid email/, () => ({ code: "invalid_format", format: "email" })],
  [/^must not be empty$/, () => ({ code: "too_small", origin: "string", minimum: 1 })],
];

/** The zod details of an issue known only by its text (one the server sent). */
function recognise(issue: Issue): Issue {
  if (issue.code) return issue;
  for (const [pattern, details] of rawPatterns) {
    const match = issue.message.match(pattern);
    if (match) return { ...issue, ...details(match) };
  }
  return issue;
}

function kindOf(issue: Issue): Kind | undefined {
  if (issue.code === "invalid_id") return "invalid_id";
  if (issue.code === "invalid_format" && issue.format === "regex" && /^must be an id/.test(issue.message))
    return "invalid_id";
  if (issue.code === "invalid_format" && issue.format === "email") return "invalid_email";
  if (issue.code === "too_small") return "too_small";
  if (issue.code === "too_big") return "too_big";
  if (issue.code === "required") return "required";
  if (issue.code === "invalid_type" && issue.expected === "number") return "not_a_number";
  return undefined;
}

const count = (n: number | bigint | undefined, one: string, many: string) =>
  Number(n) === 1 ? `one ${one}` : `${n} ${many}`;

function generic(kind: Kind, issue: Issue): string | undefined {
  switch (kind) {
    case "invalid_id":
      return "Choose one from the list";
    case "not_a_number":
      return "Enter a number";
    case "invalid_email":
      return "Enter an email address";
    case "required":
      return "Fill this in";
    case "too_small":
      if (issue.origin === "array" || issue.origin === "set")
        return `Add at least ${count(issue.minimum, "item", "items")}`;
      if (issue.origin === "string")
        return Number(issue.minimum) <= 1 ? "Fill this in" : `At least ${issue.minimum} characters`;
      if (issue.origin === "number") return `At least ${issue.minimum}`;
      return undefined;
    case "too_big":
      if (issue.origin === "array" || issue.origin === "set")
        return `At most ${count(issue.maximum, "item", "items")}`;
      if (issue.origin === "string") return `At most ${issue.maximum} characters`;
      if (issue.origin === "number") return `At most ${issue.maximum}`;
      return undefined;
  }
}

/** The message the operator sees for `issue`. */
export function userMessage(raw: Issue): string {
  const issue = recognise(raw);
  const kind = kindOf(issue);
  const field =
    issue.path
      .split(".")
      .filter((segment) => !/^\d+$/.test(segment))
      .at(-1) ?? "";
  const forField = byField[field];
  if (!kind) return issue.message;
  const message =
    forField?.[kind] ??
    forField?.any ??
    (developerText.test(issue.message) ? generic(kind, issue) : undefined);
  return message ?? issue.message;
}
