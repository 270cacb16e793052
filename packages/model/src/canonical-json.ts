// RFC 8785 JSON Canonicalization Scheme (JCS). The signed bytes of every document are the JCS form
// of its payload, so any implementation (the .NET products included) can reproduce them.
//
// The RFC builds on ECMAScript's own serialization, which is why this is short: JSON.stringify
// already formats numbers (Number::toString) and escapes strings exactly as JCS requires. What it
// adds is property ordering (by UTF-16 code units, which is JavaScript's default string order) and
// the I-JSON restrictions: no NaN/Infinity, no lone surrogates (RFC 7493 §2.1), which are rejected
// with a typed error rather than written out in a form other implementations would not accept.

import { utf8 } from "#codec";
import { ModelError } from "./errors.ts";

/** A value canonical JSON can represent. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Deeper nesting than this is refused: no license or lease needs it, and it bounds recursion. */
export const MAX_JSON_DEPTH = 64;

/**
 * The RFC 8785 canonical form of `value` as a string. Object members whose value is `undefined` are
 * left out (as JSON.stringify does), so optional TypeScript fields need no special care. Anything
 * else JSON cannot carry (NaN, Infinity, bigint, functions, Dates, Maps, class instances, lone
 * surrogates, cycles) throws ModelError `invalid_json` naming the offending path.
 */
export function canonicalize(value: unknown): string {
  if (typeof value === "object" && value !== null && vouched.has(value)) {
    const json = JSON.stringify(value);
    // JSON.stringify writes a lone surrogate as a `\udXXX` escape (and the text "\udXXX" as
    // `\\udXXX`): only then is the walk below needed, to tell the two apart and name the path.
    if (!json.includes("\\ud")) return json;
  }
  try {
    // JSON.stringify writes numbers and strings exactly as JCS does; what it does not do is sort
    // members. So once `value` is known to be valid I-JSON, it is used directly when every object is
    // already in canonical order (schema-built payloads are) and no string is long (V8's stringify
    // scans long strings slower than the writer's regex does), and the sorting writer otherwise.
    return inspect(value, 0) === 0 ? JSON.stringify(value) : write(value);
  } catch (error) {
    if (error instanceof PathError) {
      throw new ModelError(
        "invalid_json",
        `Cannot canonicalize $${error.path.reverse().join("")}: ${error.reason}.`,
      );
    }
    throw error;
  }
}

// Values whose shape is vouched for: canonicalize() writes them without walking them.
const vouched = new WeakSet<object>();

/**
 * Records that `value` is plain JSON (plain objects and arrays, strings, finite numbers, booleans,
 * null, no undefined members, no deep nesting) with every object's members in canonical order, and
 * that it will not change. Schema-built payloads are: canonicalize() then skips its walk, and only
 * looks for lone surrogates (which schemas do not check) in JSON.stringify's output.
 */
export function vouchForShape(value: object): void {
  vouched.add(value);
}

/** The canonical form as UTF-8 bytes: what gets signed. */
export function canonicalBytes(value: unknown): Uint8Array {
  return new Uint8Array(utf8(canonicalize(value))); // a copy: #codec's may share a pool
}

// Thrown while inspecting; each level adds its own path segment on the way out, so the hot path
// builds no path strings at all.
class PathError {
  readonly path: string[] = [];
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

const UNSORTED = 1;
const LONG_STRING = 2;
const LONG = 256;

/** Throws PathError for anything I-JSON cannot carry; else a set of UNSORTED | LONG_STRING flags. */
function inspect(value: unknown, depth: number): number {
  switch (typeof value) {
    case "string":
      if (!value.isWellFormed()) {
        throw new PathError("string holds a lone UTF-16 surrogate, which I-JSON forbids");
      }
      return value.length > LONG ? LONG_STRING : 0;
    case "number":
      if (!Number.isFinite(value)) throw new PathError(`${value} is not a JSON number`);
      return 0;
    case "boolean":
      return 0;
    case "object": {
      if (value === null) return 0;
      if (depth >= MAX_JSON_DEPTH) {
        throw new PathError(`nesting deeper than ${MAX_JSON_DEPTH} levels (or a cycle)`);
      }
      if (Array.isArray(value)) return inspectArray(value, depth + 1);
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new PathError("only plain objects and arrays are JSON");
      }
      return inspectObject(value as Record<string, unknown>, depth + 1);
    }
    default:
      throw new PathError(`a ${typeof value} is not JSON`);
  }
}

function inspectArray(items: unknown[], depth: number): number {
  let flags = 0;
  for (let i = 0; i < items.length; i++) {
    try {
      if (items[i] === undefined) throw new PathError("undefined is not JSON");
      flags |= inspect(items[i], depth);
    } catch (error) {
      if (error instanceof PathError) error.path.push(`[${i}]`);
      throw error;
    }
  }
  return flags;
}

function inspectObject(object: Record<string, unknown>, depth: number): number {
  const keys = Object.keys(object);
  let flags = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    try {
      if (!key.isWellFormed()) throw new PathError("member name holds a lone UTF-16 surrogate");
      // Default string comparison is by UTF-16 code units: the order RFC 8785 §3.2.3 prescribes.
      if (i > 0 && keys[i - 1]! > key) flags |= UNSORTED;
      const item = object[key];
      if (item !== undefined) flags |= inspect(item, depth);
    } catch (error) {
      if (error instanceof PathError) error.path.push(`.${key}`);
      throw error;
    }
  }
  return flags;
}

// Strings without a quote, a backslash or a control character are written as they are; testing for
// their absence is several times faster than testing for their presence (or than JSON.stringify).
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON escapes exactly these control characters
const PLAIN = /^[^"\\\u0000-\u001f]*$/;

/** Writes an inspected value with every object's members sorted. */
function write(value: unknown): string {
  if (typeof value === "string") return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += `${i > 0 ? "," : ""}${write(value[i])}`;
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  let out = "{";
  for (const key of Object.keys(object).sort()) {
    if (object[key] === undefined) continue;
    out += `${out.length > 1 ? "," : ""}${write(key)}:${write(object[key])}`;
  }
  return `${out}}`;
}
