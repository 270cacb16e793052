// Text hygiene: the one rule every request obeys, at both edges (HTTP and the bus). A NUL character
// cannot be stored by PostgreSQL ("invalid byte sequence") nor in a `jsonb`, and a lone UTF-16
// surrogate (`"\ud800"`, which JSON's escapes allow) has no UTF-8 form: the canonical-JSON encoder
// refuses it and the PostgreSQL driver would silently store U+FFFD instead. Both are refused where a
// request comes in, naming the field, so nothing behind the edge ever sees them.
import { AppError, type FieldIssue } from "./errors.ts";

/** At most this many text issues are reported for one request (the rest are the same mistake). */
const maxIssues = 20;

/**
 * Why `text` cannot be accepted, or undefined when it can. In text of several lines (a CSV file),
 * it says where: `must not contain a NUL character (U+0000): line 3, column 7`.
 */
export function unsafeTextReason(text: string): string | undefined {
  const nul = text.indexOf("\u0000");
  const lone = text.isWellFormed() ? -1 : loneSurrogateIndex(text);
  if (nul < 0 && lone < 0) return undefined;
  const index = nul < 0 ? lone : lone < 0 ? nul : Math.min(nul, lone);
  const what =
    index === nul
      ? "a NUL character (U+0000)"
      : `a lone UTF-16 surrogate (U+${text.charCodeAt(index).toString(16).toUpperCase()})`;
  return `must not contain ${what}${where(text, index)}`;
}

/** `: line L, column C` (1-based) of `index` in text of several lines; nothing for one line. */
function where(text: string, index: number): string {
  const lineStart = text.lastIndexOf("\n", index - 1) + 1;
  if (lineStart === 0 && !text.includes("\n")) return "";
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < index; i = text.indexOf("\n", i + 1)) line++;
  return `: line ${line}, column ${index - lineStart + 1}`;
}

/** A path as a chain of links, so walking a deep value never copies it. */
interface PathLink {
  parent: PathLink | undefined;
  segment: string | number;
}

function pathOf(link: PathLink | undefined): string {
  const segments: (string | number)[] = [];
  for (let at = link; at; at = at.parent) segments.push(at.segment);
  return segments.reverse().join(".");
}

/**
 * Every string of a JSON value (object member names included, at any depth) that holds a NUL or a
 * lone surrogate, as field issues with dotted paths (`metadata.foo`, `friendlyRestrictions.0.value`).
 * Walks iteratively, so a deeply nested value cannot overflow the stack.
 */
export function unsafeTextIssues(value: unknown): FieldIssue[] {
  if (!holdsUnsafeText(value)) return [];
  const issues: FieldIssue[] = [];
  type Item = { value: unknown; at: PathLink | undefined; memberName?: boolean };
  const stack: Item[] = [{ value, at: undefined }];
  while (stack.length > 0 && issues.length < maxIssues) {
    const { value: current, at, memberName } = stack.pop()!;
    if (typeof current === "string") {
      const reason = unsafeTextReason(current);
      if (reason) issues.push({ path: pathOf(at), message: memberName ? `member name ${reason}` : reason });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--)
        stack.push({ value: current[i], at: { parent: at, segment: i } });
    } else if (current !== null && typeof current === "object") {
      const entries = Object.entries(current);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, member] = entries[i]!;
        if (unsafeTextReason(key)) {
          stack.push({ value: key, at: { parent: at, segment: printable(key) }, memberName: true });
          continue;
        }
        stack.push({ value: member, at: { parent: at, segment: key } });
      }
    }
  }
  return issues;
}

/**
 * Whether any string of `value` (member names included) may hold a NUL or a lone surrogate: the walk
 * of unsafeTextIssues without its paths, recursive, so the usual answer (none) allocates nothing.
 * Every request and every event is checked, and a license's event holds its whole signed file.
 * Past `maxDepth` it answers yes, and unsafeTextIssues' own walk, which no depth overflows, decides.
 */
function holdsUnsafeText(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return isUnsafe(value);
  if (value === null || typeof value !== "object") return false;
  if (depth >= maxDepth) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (holdsUnsafeText(value[i], depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (isUnsafe(key) || holdsUnsafeText((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

const maxDepth = 200;
const isUnsafe = (text: string) => text.includes("\u0000") || !text.isWellFormed();

/** Throws `validation_failed` naming every field of `value` that holds text no store can keep. */
export function rejectUnsafeText(value: unknown, what = "request"): void {
  const issues = unsafeTextIssues(value);
  if (issues.length > 0) throw AppError.validation(issues, what);
}

/**
 * Decodes UTF-8 bytes, refusing malformed ones (a decoder's default would turn them into U+FFFD
 * without a word). Throws `validation_failed`.
 */
export function decodeUtf8Strictly(bytes: Uint8Array, what = "The request body"): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw new AppError("validation_failed", `${what} is not valid UTF-8`);
  }
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function loneSurrogateIndex(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return i;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return i;
  }
  return -1;
}

/** A member name as a path can show it: NUL and lone surrogates as `\u` escapes. */
function printable(key: string): string {
  let shown = "";
  for (const char of key) {
    const unit = char.charCodeAt(0);
    const bad = unit === 0 || (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff);
    shown += bad ? `\\u${unit.toString(16).padStart(4, "0")}` : char;
  }
  return shown;
}
