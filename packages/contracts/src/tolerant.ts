// The tolerant reader (docs/development.md, "Contracts that evolve"). During a rolling upgrade an
// event written by a newer release reaches a reader of the older one: it may carry members the reader
// does not know, and enum values added since. Neither is a reason to refuse the event. Readers parse
// with `tolerant(schema)`, derived here once from the schema the writer validates with, so nobody
// writes a loose copy of a schema by hand.
import { z } from "zod";

/** An enum value this release does not know (a newer writer's): kept as it was sent. */
export type UnknownValue = string & {};

/**
 * What a tolerant reader gets for a value of type `T`: every enum (a union of string literals) may
 * also hold an unknown value, at any depth, so the compiler makes the reader say what it does then.
 */
export type Tolerant<T> = T extends string
  ? string extends T
    ? T
    : T | UnknownValue
  : T extends Date | Uint8Array
    ? T
    : T extends object
      ? { [K in keyof T]: Tolerant<T[K]> }
      : T;

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  items?: z.ZodType[];
  rest?: z.ZodType | null;
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
  entries?: Record<string, unknown>;
};

type Cloneable = z.ZodType & { clone(def: Def): z.ZodType };

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
const derived = new WeakMap<z.ZodType, z.ZodType>();

/**
 * The schema as a tolerant reader parses: objects ignore members they do not know (strict ones
 * included), enums accept any string (the value is kept), everything else is checked as before
 * (types, formats, bounds, required members). Derived once per schema.
 */
export function tolerant<S extends z.ZodType>(schema: S): z.ZodType<Tolerant<z.output<S>>> {
  return derive(schema) as z.ZodType<Tolerant<z.output<S>>>;
}

function derive(schema: z.ZodType): z.ZodType {
  const known = derived.get(schema);
  if (known) return known;
  const def = defOf(schema);
  // A recursive schema reaches itself through a lazy: the derived one does the same.
  if (def.type === "lazy") {
    const lazy = z.lazy(() => derive(def.getter!()));
    derived.set(schema, lazy);
    return lazy;
  }
  const result = rebuild(schema as Cloneable, def);
  derived.set(schema, result);
  return result;
}

function rebuild(schema: Cloneable, def: Def): z.ZodType {
  switch (def.type) {
    case "enum":
      // An unknown value is kept for the reader to judge (an enum of numbers stays as it is).
      return Object.values(def.entries ?? {}).every((v) => typeof v === "string") ? z.string() : schema;
    case "object": {
      const shape = Object.fromEntries(Object.entries(def.shape ?? {}).map(([k, v]) => [k, derive(v)]));
      const keepsOthers = def.catchall && defOf(def.catchall).type !== "never";
      // A strict object's catchall is `never`: without one, unknown members are dropped, not refused.
      return schema.clone({ ...def, shape, catchall: keepsOthers ? derive(def.catchall!) : undefined });
    }
    case "array":
      return schema.clone({ ...def, element: derive(def.element!) });
    case "record":
      return schema.clone({ ...def, valueType: derive(def.valueType!) });
    case "tuple":
      return schema.clone({
        ...def,
        items: def.items!.map(derive),
        rest: def.rest ? derive(def.rest) : null,
      });
    case "union":
      return schema.clone({ ...def, options: def.options!.map(derive) });
    case "intersection":
      return schema.clone({ ...def, left: derive(def.left!), right: derive(def.right!) });
    case "pipe":
      return schema.clone({ ...def, in: derive(def.in!), out: derive(def.out!) });
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
    case "nonoptional":
      return schema.clone({ ...def, innerType: derive(def.innerType!) });
    default:
      return schema;
  }
}
