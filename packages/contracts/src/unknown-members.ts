// The words for an unknown member of a strict request object: `unknown member`, and when the schema
// knows a member it resembles (a typo: `availableActivation`), `(did you mean availableActivations?)`.
import type { z } from "zod";

/** The message for `key`, unknown in the object at `path` of `schema`. */
export function unknownMemberMessage(
  schema: z.ZodType | undefined,
  path: readonly PropertyKey[],
  key: string,
): string {
  const known = schema ? membersAt(schema, path) : undefined;
  const guess = known ? closest(key, known) : undefined;
  return guess ? `unknown member (did you mean ${guess}?)` : "unknown member";
}

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  items?: z.ZodType[];
};

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The member names of the object schema found at `path`, or undefined when there is none. */
function membersAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  const def = defOf(unwrap(schema));
  if (def.type === "union")
    return (def.options ?? []).map((option) => membersAt(option, path)).find((m) => m !== undefined);
  if (path.length === 0) return def.type === "object" ? Object.keys(def.shape ?? {}) : undefined;
  const [segment, ...rest] = path;
  const inner =
    def.type === "object"
      ? def.shape?.[String(segment)]
      : def.type === "array"
        ? def.element
        : def.type === "record"
          ? def.valueType
          : def.type === "tuple"
            ? def.items?.[Number(segment)]
            : undefined;
  return inner ? membersAt(inner, rest) : undefined;
}

/** Through optional, nullable, default, pipes (a preprocess's target), readonly… to the schema inside. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let depth = 0; depth < 20; depth++) {
    const def = defOf(current);
    if (def.innerType) current = def.innerType;
    else if (def.type === "pipe" && def.in && def.out)
      current = defOf(def.in).type === "transform" ? def.out : def.in;
    else return current;
  }
  return current;
}

/** The known member `key` most likely mistypes: same letters in another case, or at most 2 edits. */
function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = name.toLowerCase() === lower ? 0 : editDistance(lower, name.toLowerCase());
    if (
      distance <= Math.min(2, Math.max(1, Math.floor(name.length / 3))) &&
      (!best || distance < best.distance)
    )
      best = { name, distance };
  }
  return best?.name;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[a.length]![b.length]!;
}
