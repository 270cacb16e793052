// Requests derived from an OpenAPI document: values that follow each schema, mixed with hostile ones
// (NUL and lone surrogates, a megabyte of text, deep nesting, wrong types, unknown members, numbers
// and dates at and past every bound). fast-check draws them, so a failing seed replays exactly.
import fc from "fast-check";

/** The parts of JSON Schema the platform's OpenAPI documents use. */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  propertyNames?: Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  default?: unknown;
}

/** Values a real client could plausibly send for some field, whatever the schema says. */
export interface KnownValues {
  /** Ids and codes that exist (accounts, licenses, products, presets, users…), so lookups can hit. */
  ids: string[];
}

/** Text no request may carry: NUL, lone surrogates, and text around them. */
export const hostileText = fc.constantFrom(
  "\u0000",
  "adm\u0000in",
  "\ud800",
  "x\udfffy",
  "\ud83d",
  "🙂\ud800",
  "a".repeat(1_000_000),
  "é".repeat(70_000),
  "",
  " ",
  "\u202e\u2066",
  "<script>alert(1)</script>",
  "' or 1=1 --",
  "../../etc/passwd",
  "%00",
  "\\u0000",
);

const hostileNumber = fc.constantFrom(
  -1,
  0,
  1,
  -2,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 53,
  -(2 ** 53),
  Number.MAX_SAFE_INTEGER + 2,
  1e308,
  -1e308,
  0.5,
  -0,
  1e-7,
);

const hostileDate = fc.constantFrom(
  "0000-01-01T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "1970-01-01T00:00:00Z",
  "2026-02-30T00:00:00Z",
  "2026-13-01T00:00:00Z",
  "2026-01-01T24:00:00Z",
  "2026-01-01",
  "2026-01-01T00:00:00",
  "2026-01-01T00:00:00+99:00",
  "tomorrow",
  "+275760-09-13T00:00:00Z",
);

/** A value of the wrong kind, whatever the field expects. */
const wrongType = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, "", "true", "null", [], {}, [null], { "": null }),
  fc.string(),
  fc.integer(),
);

/**
 * Arrays or objects nested `depth` levels deep. Written out only by `toJsonText` (JSON.stringify
 * recurses, and runs out of stack on a few thousand levels), and printed by fast-check as
 * `deep(5000, arrays)` rather than walked.
 */
class Deep {
  readonly depth: number;
  readonly arrays: boolean;
  constructor(depth: number, arrays: boolean) {
    this.depth = depth;
    this.arrays = arrays;
  }
  toJSON(): string {
    return `\u0001deep:${this.depth}:${this.arrays ? "a" : "o"}\u0001`;
  }
  text(): string {
    return this.arrays
      ? `${"[".repeat(this.depth)}"bottom"${"]".repeat(this.depth)}`
      : `${'{"nested":'.repeat(this.depth)}"bottom"${"}".repeat(this.depth)}`;
  }
  [fc.toStringMethod](): string {
    return `deep(${this.depth}, ${this.arrays ? "arrays" : "objects"})`;
  }
}

/** A generated value as JSON text, deep nesting included. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0001deep:(\d+):([ao])\\u0001"/g, (_, depth, kind) =>
    new Deep(Number(depth), kind === "a").text(),
  );
}
const deepNesting = fc
  .tuple(fc.integer({ min: 64, max: 5_000 }), fc.boolean())
  .map(([depth, arrays]) => new Deep(depth, arrays));

/** Any hostile value: what a careless or malicious client sends in place of a field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 2, arbitrary: hostileDate },
  { weight: 3, arbitrary: wrongType },
  { weight: 1, arbitrary: deepNesting },
);

/**
 * Values for `schema`: mostly valid (so requests get past the first check and reach the services),
 * with a hostile value in place of any one field now and then.
 */
export function valuesFor(schema: Schema, known: KnownValues, depth = 0): fc.Arbitrary<unknown> {
  const valid = validValueOf(schema, known, depth);
  return fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: hostileValue });
}

function validValueOf(schema: Schema, known: KnownValues, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return fc.oneof(...variants.map((v) => valuesFor(v, known, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
    case "number":
      return numberOf(schema, type === "integer");
    case "string":
      return stringOf(schema, known, depth);
    case "array":
      return arrayOf(schema, known, depth);
    case "object":
      return objectOf(schema, known, depth);
    default:
      return hostileValue;
  }
}

function numberOf(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1_000_000;
  const max = schema.maximum ?? 1_000_000;
  const inside = integer
    ? fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  // Each bound, and one past it.
  return fc.oneof(
    { weight: 3, arbitrary: inside },
    { weight: 1, arbitrary: fc.constantFrom(min, max, min - 1, max + 1) },
  );
}

function stringOf(schema: Schema, known: KnownValues, depth: number): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 64;
  const options: fc.Arbitrary<string>[] = [];
  if (schema.format === "date-time")
    options.push(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
  else if (schema.format === "date")
    options.push(fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)));
  else if (schema.format === "email") options.push(fc.emailAddress());
  else if (schema.format === "uri") options.push(fc.webUrl());
  else if (schema.pattern) {
    const pattern = new RegExp(schema.pattern);
    const matching = known.ids.filter((id) => pattern.test(id));
    if (matching.length > 0) options.push(fc.constantFrom(...matching));
    // Not filtered by length: a pattern may not produce the lengths asked for (a filter would spin),
    // and a string of the wrong length is one more boundary case.
    options.push(fc.stringMatching(pattern));
  } else options.push(fc.string({ minLength: min, maxLength: Math.min(max, 200), unit: "grapheme" }));
  // Inside an array past its bound, values stay small (see arrayOf).
  if (depth >= SMALL) return fc.oneof(...options);
  // At and past the length bounds.
  options.push(
    fc.constantFrom(
      "x".repeat(min),
      "x".repeat(Math.min(max, 100_000)),
      "x".repeat(Math.min(max + 1, 2_000_000)),
    ),
  );
  return fc.oneof(...options);
}

/**
 * Depth from which values are kept small: the items of an array past its length bound. Bounds
 * multiply when arrays nest (1,001 logs of 20,001 receipts each would be gigabytes, past what
 * JSON.stringify can write), so a past-bound array repeats one small item, in which nothing goes past
 * its bound again.
 */
const SMALL = 100;

function arrayOf(schema: Schema, known: KnownValues, depth: number): fc.Arbitrary<unknown[]> {
  const item = schema.items ? valuesFor(schema.items, known, depth + 1) : hostileValue;
  const min = schema.minItems ?? 0;
  const max = Math.min(schema.maxItems ?? 5, depth > 2 ? 2 : 5);
  const inside = fc.array(item, { minLength: min, maxLength: Math.max(min, max) });
  if (depth >= SMALL) return inside;
  const past = (schema.maxItems ?? 100) + 1;
  // Each item within a share of a few megabytes (else null): a hostile member may be megabytes itself,
  // deep nesting too once written out (toJsonText, not JSON.stringify, which sees its placeholder).
  const budget = Math.max(64, Math.floor(4_000_000 / past));
  const small = (schema.items ? valuesFor(schema.items, known, SMALL) : hostileValue).map((value) =>
    (value === undefined ? 0 : toJsonText(value).length) <= budget ? value : null,
  );
  return fc.oneof(
    { weight: 4, arbitrary: inside },
    // Past the length bound.
    { weight: 1, arbitrary: small.map((value) => Array.from({ length: past }, () => value)) },
  );
}

function objectOf(schema: Schema, known: KnownValues, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const members: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties))
    members[name] = valuesFor(property, known, depth + 1);
  const record = fc.record(members, { requiredKeys: [...required].filter((k) => k in members) });
  const extra =
    typeof schema.additionalProperties === "object"
      ? fc.dictionary(
          schema.propertyNames
            ? (stringOf(schema.propertyNames, known, depth + 1) as fc.Arbitrary<string>)
            : fc.string(),
          valuesFor(schema.additionalProperties, known, depth + 1),
          { maxKeys: 3 },
        )
      : fc.constant({});
  // Now and then: a member the schema does not know, or every member dropped.
  const unknown = fc.oneof(
    { weight: 8, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.record({ unknownMember: hostileValue }) },
    {
      weight: 1,
      arbitrary: fc.dictionary(
        fc.constantFrom("__proto__", "constructor", "availableActivation", "\u0000", "\ud800"),
        fc.jsonValue(),
        { maxKeys: 2 },
      ),
    },
  );
  return fc.tuple(record, extra, unknown).map(([r, e, u]) => ({ ...e, ...u, ...r }));
}
