// HTML by tagged template: every interpolated value is escaped unless it is itself the result of
// `html`, so a license or account name can never become markup in the digest. (A template engine
// would do the same with templates the type checker cannot see.)

const markup = Symbol("html");

/** A fragment of HTML that is safe to insert as it is. */
export interface Html {
  readonly [markup]: string;
}

const entities: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

function isHtml(value: unknown): value is Html {
  return typeof value === "object" && value !== null && markup in value;
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return "";
  if (isHtml(value)) return value[markup];
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return { [markup]: out };
}

export function htmlText(fragment: Html): string {
  return fragment[markup];
}

/** Trusted markup written in this code base (a style sheet), inserted as it is. Never for data. */
export function unsafe(text: string): Html {
  return { [markup]: text };
}
