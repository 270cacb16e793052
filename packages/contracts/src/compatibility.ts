// Which changes of the bus's contracts a release may make (docs/development.md, "Contracts that
// evolve"). During a rolling upgrade old and new replicas talk to each other both ways, so a change
// is compatible only if what one side sends, the other still reads:
//
// - a request is read by the service: the new schema must accept every request the old accepted
//   (a member may be added as optional, a bound relaxed, an enum value added; nothing removed,
//   retyped, tightened, made required);
// - an answer is read by callers with the old schema: the new one may only send what the old
//   accepted (members added, since readers ignore members they do not know; nothing removed,
//   retyped, made optional or nullable, loosened, and no enum value added or removed);
// - an event payload likewise, except that event readers are tolerant (tolerant.ts), so an enum
//   value may be added there.
//
// The schemas compared are JSON Schema as `z.toJSONSchema` writes them (snapshot.ts).

/** A JSON Schema node, as far as this module reads one. */
export interface SchemaNode {
  type?: string | string[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  propertyNames?: SchemaNode;
  items?: SchemaNode;
  prefixItems?: SchemaNode[];
  $ref?: string;
  [keyword: string]: unknown;
}

/** Who reads what the schema describes, which decides the direction a change may go. */
export type ContractSide = "request" | "response" | "event";

/** One difference between two versions of a contract. */
export interface ContractChange {
  /** What the change is in: `endpoint catalog.account.create request`, `event account.created@1`. */
  where: string;
  /** The member, dotted (`contacts[].email`); empty for the whole schema. */
  path: string;
  breaking: boolean;
  message: string;
}

/** The differences between the schema before and after, from `side`'s readers' point of view. */
export function compareSchemas(
  before: SchemaNode,
  after: SchemaNode,
  side: ContractSide,
  where = "",
): ContractChange[] {
  const changes: ContractChange[] = [];
  compareNode(before, after, { side, where, changes }, "");
  return changes;
}

interface Walk {
  side: ContractSide;
  where: string;
  changes: ContractChange[];
}

function report(walk: Walk, path: string, breaking: boolean, message: string): void {
  walk.changes.push({ where: walk.where, path, breaking, message });
}

/** Whether the new schema is the reader's (requests) or the old one is (answers, events). */
const newSchemaReads = (side: ContractSide) => side === "request";

// ---------- unions and kinds ----------

type Kind = "any" | "string" | "number" | "integer" | "boolean" | "null" | "object" | "array" | "ref";

/** A node as the alternatives it accepts: `anyOf`, `oneOf` and a list of types each become several. */
function alternatives(node: SchemaNode): SchemaNode[] {
  const union = node.anyOf ?? node.oneOf;
  if (union) return union.flatMap(alternatives);
  if (Array.isArray(node.type)) return node.type.map((type) => ({ ...node, type }));
  return [node];
}

function kindOf(node: SchemaNode): Kind {
  if (node.$ref) return "ref";
  if (typeof node.type === "string") return node.type as Kind;
  if (node.const !== undefined)
    return typeof node.const === "number" ? "number" : (typeof node.const as Kind);
  if (node.enum) return "string";
  return "any";
}

/** Whether a reader expecting `reader` accepts a value of kind `value` (an integer is a number). */
function kindAccepts(reader: Kind, value: Kind): boolean {
  return reader === "any" || reader === value || (reader === "number" && value === "integer");
}

function compareNode(before: SchemaNode, after: SchemaNode, walk: Walk, path: string): void {
  const old = alternatives(before);
  const now = alternatives(after);
  const newReads = newSchemaReads(walk.side);
  // Every alternative the writer may send must find one the reader accepts: of a union of several
  // (two string formats, two object shapes), the one it differs from least.
  const [written, read] = newReads ? [old, now] : [now, old];
  for (const value of written) {
    const kind = kindOf(value);
    const trials = read
      .filter((reader) => kindAccepts(kindOf(reader), kind))
      .map((reader) => {
        const [b, a] = newReads ? [value, reader] : [reader, value];
        const trial: Walk = { ...walk, changes: [] };
        compareAlternative(b, a, trial, path);
        return trial.changes;
      })
      .sort(
        (x, y) =>
          x.filter((c) => c.breaking).length - y.filter((c) => c.breaking).length || x.length - y.length,
      );
    if (trials[0]) walk.changes.push(...trials[0]);
    else {
      const expected = [...new Set(read.map(kindOf))].join(" or ");
      report(
        walk,
        path,
        true,
        newReads
          ? `no longer accepts ${kind} (now ${expected})`
          : `may now be ${kind}, which readers do not accept (they expect ${expected})`,
      );
    }
  }
  // A kind the writer no longer sends, or the reader now also accepts, harms nobody.
  for (const value of newReads ? now : old) {
    const kind = kindOf(value);
    if (!(newReads ? old : now).some((other) => kindOf(other) === kind))
      report(walk, path, false, newReads ? `now also accepts ${kind}` : `is no longer ${kind}`);
  }
}

function compareAlternative(before: SchemaNode, after: SchemaNode, walk: Walk, path: string): void {
  const kind = kindOf(before);
  if (kind === "ref" || kindOf(after) === "ref") {
    if (JSON.stringify(before) !== JSON.stringify(after))
      report(walk, path, true, "changed, and a reference cannot be compared: check it by hand");
    return;
  }
  if (kindOf(before) === "integer" && kindOf(after) === "number")
    report(walk, path, !newSchemaReads(walk.side), "was an integer, now any number");
  if (kindOf(before) === "number" && kindOf(after) === "integer")
    report(walk, path, newSchemaReads(walk.side), "was any number, now an integer");
  compareEnum(before, after, walk, path);
  compareBounds(before, after, walk, path);
  compareObject(before, after, walk, path);
  compareArray(before, after, walk, path);
}

// ---------- enums and literals ----------

function valuesOf(node: SchemaNode): unknown[] | undefined {
  if (node.const !== undefined) return [node.const];
  return node.enum;
}

function compareEnum(before: SchemaNode, after: SchemaNode, walk: Walk, path: string): void {
  const old = valuesOf(before);
  const now = valuesOf(after);
  if (!old && !now) return;
  const show = (values: unknown[]) => values.map((v) => JSON.stringify(v)).join(", ");
  if (!now) {
    report(walk, path, !newSchemaReads(walk.side), `was one of ${show(old!)}, now any value`);
    return;
  }
  if (!old) {
    report(walk, path, newSchemaReads(walk.side), `was any value, now one of ${show(now)}`);
    return;
  }
  const removed = old.filter((v) => !now.includes(v));
  const added = now.filter((v) => !old.includes(v));
  // Nothing is removed, whoever reads it; a value is added only where readers take unknown ones.
  if (removed.length > 0) report(walk, path, true, `lost the value(s) ${show(removed)}`);
  if (added.length > 0)
    report(
      walk,
      path,
      walk.side === "response",
      walk.side === "response"
        ? `gained the value(s) ${show(added)}, which readers of answers refuse`
        : `gained the value(s) ${show(added)}`,
    );
}

// ---------- bounds: lengths, ranges, counts, formats ----------

const lowerBounds = ["minLength", "minimum", "exclusiveMinimum", "minItems"] as const;
const upperBounds = ["maxLength", "maximum", "exclusiveMaximum", "maxItems"] as const;
const exactRules = ["pattern", "format"] as const;

function compareBounds(before: SchemaNode, after: SchemaNode, walk: Walk, path: string): void {
  // A request's reader must accept more (looser bounds); an answer's writer must send less (tighter).
  const looser = (keyword: string, old: unknown, now: unknown): boolean => {
    if (now === undefined) return old !== undefined;
    if (old === undefined) return false;
    const lower = (lowerBounds as readonly string[]).includes(keyword);
    return lower ? (now as number) < (old as number) : (now as number) > (old as number);
  };
  for (const keyword of [...lowerBounds, ...upperBounds]) {
    const old = before[keyword];
    const now = after[keyword];
    if (old === now) continue;
    const loosened = looser(keyword, old, now);
    const message = `${keyword} ${old === undefined ? "none" : String(old)} → ${now === undefined ? "none" : String(now)}`;
    report(walk, path, newSchemaReads(walk.side) ? !loosened : loosened, message);
  }
  for (const keyword of exactRules) {
    const old = before[keyword];
    const now = after[keyword];
    if (old === now) continue;
    // Two rules cannot be compared: any change but dropping one (requests) or adding one (answers) breaks.
    const harmless = newSchemaReads(walk.side) ? now === undefined : old === undefined;
    report(
      walk,
      path,
      !harmless,
      `${keyword} ${old === undefined ? "none" : JSON.stringify(old)} → ${now === undefined ? "none" : JSON.stringify(now)}`,
    );
  }
}

// ---------- objects ----------

function compareObject(before: SchemaNode, after: SchemaNode, walk: Walk, path: string): void {
  const oldMembers = before.properties ?? {};
  const newMembers = after.properties ?? {};
  const oldRequired = new Set(before.required ?? []);
  const newRequired = new Set(after.required ?? []);
  const at = (name: string) => (path ? `${path}.${name}` : name);
  for (const [name, old] of Object.entries(oldMembers)) {
    const now = newMembers[name];
    if (!now) {
      report(walk, at(name), true, "removed");
      continue;
    }
    if (oldRequired.has(name) && !newRequired.has(name))
      report(walk, at(name), !newSchemaReads(walk.side), "was required, now optional");
    if (!oldRequired.has(name) && newRequired.has(name))
      report(walk, at(name), newSchemaReads(walk.side), "was optional, now required");
    compareNode(old, now, walk, at(name));
  }
  for (const name of Object.keys(newMembers)) {
    if (name in oldMembers) continue;
    // A request member nobody sent before must be optional; readers of answers ignore new members.
    const required = newRequired.has(name);
    report(walk, at(name), newSchemaReads(walk.side) && required, required ? "added, required" : "added");
  }
  const oldRest = before.additionalProperties;
  const newRest = after.additionalProperties;
  if (typeof oldRest === "object" && typeof newRest === "object")
    compareNode(oldRest, newRest, walk, at("*"));
  else if (typeof oldRest === "object" && newRest === false)
    report(walk, at("*"), newSchemaReads(walk.side), "no longer takes members other than those listed");
  if (before.propertyNames && after.propertyNames)
    compareNode(before.propertyNames, after.propertyNames, walk, at("<name>"));
}

// ---------- arrays and tuples ----------

function compareArray(before: SchemaNode, after: SchemaNode, walk: Walk, path: string): void {
  if (before.items && after.items) compareNode(before.items, after.items, walk, `${path}[]`);
  const oldItems = before.prefixItems ?? [];
  const newItems = after.prefixItems ?? [];
  if (oldItems.length !== newItems.length)
    report(walk, path, true, `a tuple of ${oldItems.length}, now of ${newItems.length}`);
  oldItems.forEach((item, i) => {
    if (newItems[i]) compareNode(item, newItems[i]!, walk, `${path}[${i}]`);
  });
}
