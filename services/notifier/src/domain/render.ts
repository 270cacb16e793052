import type { DigestRow } from "@licensing/contracts";
import { type Html, html, htmlText, unsafe } from "./html.ts";

export interface RenderInput {
  day: string;
  timeZone: string;
  dailyTime: string;
  uiUrl: string;
  rows: readonly DigestRow[];
  /** Show only the first rows (a preview too large for one bus message); the summary still counts all. */
  limit?: number;
  test?: boolean;
}

export interface RenderedDigest {
  subject: string;
  html: string;
  text: string;
}

/** The columns, in the order the issue asks for them. */
const columns: [string, (row: DigestRow) => string][] = [
  ["Account", (r) => r.accountName],
  ["Kind", (r) => r.licenseType],
  ["License count", (r) => r.licenseCount],
  ["Creator", (r) => r.creator],
  ["Created", (r) => r.created],
  ["Product", (r) => r.products],
  ["Expires", (r) => r.expires],
  ["Status", (r) => r.status],
];

export function digestSubject(day: string, rows: readonly DigestRow[], test = false): string {
  const expired = rows.filter((r) => r.status === "expired today").length;
  const expiring = rows.length - expired;
  const parts = [
    expired > 0 ? `${expired} expired today` : "",
    expiring > 0 ? `${expiring} expiring` : "",
  ].filter(Boolean);
  return `${test ? "[Test] " : ""}License expiry digest ${day}: ${parts.length ? parts.join(", ") : "nothing to report"}`;
}

/** The subject, the HTML part and the plain-text part of one digest. */
export function renderDigest(input: RenderInput): RenderedDigest {
  const total = input.rows.length;
  const subject = digestSubject(input.day, input.rows, input.test);
  const shown = { ...input, rows: input.limit === undefined ? input.rows : input.rows.slice(0, input.limit) };
  return { subject, html: htmlText(htmlPart(shown, subject, total)), text: textPart(shown, total) };
}

function summary(input: RenderInput, total: number): string {
  if (total === 0) return "No license expires within its notice window, and none expired today.";
  const licenses =
    total === 1
      ? "1 license expires within its notice window"
      : `${total} licenses expire within their notice window`;
  return `${licenses} or expired today. Times are in ${input.timeZone}.`;
}

// One style sheet in the head instead of styles on every cell: a digest can list thousands of rows,
// and mail servers limit a message's size (often to 10 MB). Mail clients in use honour <style>.
const style = `body{margin:0;padding:24px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;font-size:14px;color:#1f2328;background:#fff}
h1{font-size:20px;margin:0 0 8px}
p{margin:0 0 16px}
table{border-collapse:collapse;width:100%}
th,td{padding:6px 10px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
a{color:#0b5cad}
.expired{color:#b42318;font-weight:600}
.note{padding:8px 12px;background:#fff4d6;border:1px solid #f0c36d}
.partial{color:#8a5300}
.footer{margin:24px 0 0;color:#656d76;font-size:12px}`;

function rowHtml(row: DigestRow): Html {
  const cells = columns.map(([name, value]) =>
    name === "Account"
      ? html`<td><a href="${row.url}">${value(row)}</a></td>`
      : name === "Status" && row.status === "expired today"
        ? html`<td class="expired">${value(row)}</td>`
        : html`<td>${value(row)}</td>`,
  );
  return html`<tr>${cells}</tr>
`;
}

function htmlPart(input: RenderInput, subject: string, total: number): Html {
  const shown = input.rows.length;
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${subject}</title><style>${unsafe(style)}</style></head>
<body>
${input.test ? html`<p class="note">This is a test message sent from the notification settings; the daily digest goes out at ${input.dailyTime} (${input.timeZone}).</p>` : ""}
<h1>License expiry digest, ${input.day}</h1>
<p>${summary(input, total)}</p>
${shown < total ? html`<p class="partial">This preview shows the first ${shown} of ${total} rows; the email carries them all.</p>` : ""}
${
  shown > 0
    ? html`<table role="presentation" cellspacing="0" cellpadding="0">
<thead><tr>${columns.map(([name]) => html`<th>${name}</th>`)}</tr></thead>
<tbody>
${input.rows.map(rowHtml)}</tbody>
</table>`
    : ""
}
<p class="footer">Sent by the Licensing Platform every day at ${input.dailyTime} (${input.timeZone}). Settings: <a href="${input.uiUrl}/settings/notifications">${input.uiUrl}/settings/notifications</a></p>
</body>
</html>
`;
}

function textPart(input: RenderInput, total: number): string {
  const lines = [
    ...(input.test
      ? [`This is a test message; the daily digest goes out at ${input.dailyTime} (${input.timeZone}).`, ""]
      : []),
    `License expiry digest, ${input.day}`,
    "",
    summary(input, total),
  ];
  if (input.rows.length < total)
    lines.push(
      `This preview shows the first ${input.rows.length} of ${total} rows; the email carries them all.`,
    );
  if (input.rows.length > 0) {
    lines.push("", columns.map(([name]) => name).join(" | "));
    for (const row of input.rows) {
      lines.push(columns.map(([, value]) => value(row)).join(" | "), `  ${row.url}`);
    }
  }
  lines.push("", `Settings: ${input.uiUrl}/settings/notifications`, "");
  return lines.join("\n");
}
