// The contract snapshot: every endpoint's request and response schema and every event's payload
// schema, as JSON Schema, committed as `packages/contracts/contracts.snapshot.json`. A test compares
// the contracts of the code with it (compatibility.ts) and fails on a breaking change;
// `npm run contracts:snapshot` writes it anew once a change is known to be compatible.
import { z } from "zod";
import { type ContractChange, compareSchemas, type SchemaNode } from "./compatibility.ts";
import type { Endpoint } from "./endpoint.ts";
import { type EventType, parseEventVersion } from "./event.ts";
import { allEndpoints, allEvents } from "./registry.ts";

export interface ContractSnapshot {
  /** By subject. */
  endpoints: Record<string, { request: SchemaNode; response: SchemaNode }>;
  /** By `<name>@<major>`: each major version of an event is a contract of its own. */
  events: Record<string, { version: string; payload: SchemaNode }>;
}

/** A schema as JSON Schema, as the side that reads it sees it (a request before its defaults apply). */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): SchemaNode {
  const node = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as SchemaNode;
  delete node.$schema;
  return withoutFormatPatterns(node) as SchemaNode;
}

// zod writes the regular expression it checks a format with (`email`, `date-time`) beside the format;
// the format says it, and the expression may change with zod's version, so it stays out.
function withoutFormatPatterns(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutFormatPatterns);
  if (typeof value !== "object" || value === null) return value;
  const node = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => !(key === "pattern" && typeof node.format === "string"))
      .map(([key, inner]) => [key, withoutFormatPatterns(inner)]),
  );
}

const sortedBy = <T>(items: readonly T[], key: (item: T) => string) =>
  [...items].sort((a, b) => key(a).localeCompare(key(b)));

/** The snapshot of the given contracts (every one of the registry by default). */
export function contractSnapshot(
  endpoints: readonly Endpoint[] = allEndpoints,
  events: readonly EventType[] = allEvents,
): ContractSnapshot {
  return {
    endpoints: Object.fromEntries(
      sortedBy(endpoints, (e) => e.subject).map((e) => [
        e.subject,
        { request: jsonSchema(e.request, "input"), response: jsonSchema(e.response, "output") },
      ]),
    ),
    events: Object.fromEntries(
      sortedBy(events, eventKey).map((e) => [
        eventKey(e),
        { version: e.version, payload: jsonSchema(e.payload, "output") },
      ]),
    ),
  };
}

function eventKey(event: EventType): string {
  return `${event.name}@${parseEventVersion(event.version)!.major}`;
}

/**
 * Every difference between two snapshots, breaking or not: a removed endpoint or event (major
 * version) breaks, an added one does not; schemas compare by who reads them (compatibility.ts).
 */
export function compareContracts(before: ContractSnapshot, after: ContractSnapshot): ContractChange[] {
  const changes: ContractChange[] = [];
  for (const [subject, old] of Object.entries(before.endpoints)) {
    const now = after.endpoints[subject];
    const where = `endpoint ${subject}`;
    if (!now) {
      changes.push({ where, path: "", breaking: true, message: "removed" });
      continue;
    }
    changes.push(...compareSchemas(old.request, now.request, "request", `${where} request`));
    changes.push(...compareSchemas(old.response, now.response, "response", `${where} response`));
  }
  for (const subject of Object.keys(after.endpoints))
    if (!before.endpoints[subject])
      changes.push({ where: `endpoint ${subject}`, path: "", breaking: false, message: "added" });
  for (const [key, old] of Object.entries(before.events)) {
    const now = after.events[key];
    const where = `event ${key}`;
    if (!now) {
      changes.push({ where, path: "", breaking: true, message: "removed" });
      continue;
    }
    const payload = compareSchemas(old.payload, now.payload, "event", where);
    changes.push(...payload);
    if (payload.length > 0 && old.version === now.version)
      changes.push({
        where,
        path: "",
        breaking: false,
        message: `changed: bump its minor version (${now.version})`,
      });
  }
  for (const key of Object.keys(after.events))
    if (!before.events[key])
      changes.push({ where: `event ${key}`, path: "", breaking: false, message: "added" });
  return changes;
}

/** One change as a line: `BREAKING endpoint x request: contacts[].email: removed`. */
export function describeChange(change: ContractChange): string {
  return `${change.breaking ? "BREAKING " : ""}${change.where}: ${change.path ? `${change.path}: ` : ""}${change.message}`;
}

export { type ContractChange, type ContractSide, compareSchemas, type SchemaNode } from "./compatibility.ts";
