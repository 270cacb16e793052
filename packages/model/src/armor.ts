// ASCII armor: the text form of a signed document, safe to paste into an email or a text field.
//
//   -----BEGIN LICENSE FILE-----
//   <standard base64 of the envelope JSON, 64 characters a line>
//   -----END LICENSE FILE-----
//
// Reading tolerates what copy and paste does to text (CRLF, blank lines, spaces and tabs around
// lines and around the whole block) and nothing else: only space, tab, CR and LF count as
// whitespace, so that no single flipped bit can turn a character into ignorable whitespace.
import { fromBase64, toBase64, utf8ToBase64 } from "#codec";
import { clip, ModelError } from "./errors.ts";

const LINE_LENGTH = 64;
const LABEL = /^[A-Z0-9]+(?: [A-Z0-9]+)*$/;
const WHITESPACE = /[\t\n\r ]+/g;

const labels = new Map<string, string>();

/** The armor label of a purpose: `license-file` → `LICENSE FILE`, `lease` → `LEASE`. */
export function armorLabel(purpose: string): string {
  let label = labels.get(purpose);
  if (label === undefined) {
    label = purpose.toUpperCase().replaceAll("-", " ");
    if (labels.size < 256) labels.set(purpose, label);
  }
  return label;
}

/** Armors `content` (bytes, or text to armor as UTF-8) under `label`, ending with a newline. */
export function armor(label: string, content: Uint8Array | string): string {
  const body = typeof content === "string" ? utf8ToBase64(content) : toBase64(content);
  let out = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < body.length; i += LINE_LENGTH) out += `${body.slice(i, i + LINE_LENGTH)}\n`;
  return `${out}-----END ${label}-----\n`;
}

/** The label and decoded bytes of an armored block. Throws ModelError `malformed_armor`. */
export function dearmor(text: string): { label: string; bytes: Uint8Array } {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  const headerEnd = text.indexOf("\n", start);
  const footerStart = text.lastIndexOf("\n", end - 1) + 1;
  if (headerEnd < 0 || footerStart <= headerEnd) {
    throw malformed("it should start with a -----BEGIN …----- line and end with an -----END …----- line");
  }
  const label = parseBoundary(text.slice(start, headerEnd), "BEGIN");
  const footerLabel = parseBoundary(text.slice(footerStart, end), "END");
  if (label === undefined) throw malformed("the first line is not a -----BEGIN …----- line");
  if (footerLabel === undefined)
    throw malformed("the last line is not an -----END …----- line (is the file truncated?)");
  if (footerLabel !== label) throw malformed(`it begins as ${clip(label)} but ends as ${clip(footerLabel)}`);
  const bytes = fromBase64(text.slice(headerEnd + 1, footerStart).replace(WHITESPACE, ""));
  if (bytes === undefined) {
    throw malformed(
      "the lines between BEGIN and END are not valid base64 (was the file edited or cut short?)",
    );
  }
  return { label, bytes };
}

function parseBoundary(line: string, kind: "BEGIN" | "END"): string | undefined {
  const trimmed = line.replace(/[\t\r ]+$/, "").replace(/^[\t ]+/, "");
  const prefix = `-----${kind} `;
  if (!trimmed.startsWith(prefix) || !trimmed.endsWith("-----")) return undefined;
  const label = trimmed.slice(prefix.length, -5);
  return LABEL.test(label) ? label : undefined;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

function malformed(reason: string): ModelError {
  return new ModelError("malformed_armor", `This is not a valid armored document: ${reason}.`);
}
