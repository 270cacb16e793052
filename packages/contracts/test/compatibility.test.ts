import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEndpoint, defineEvent, type EventVersion } from "../src/index.ts";
import {
  type ContractChange,
  type ContractSide,
  compareContracts,
  contractSnapshot,
  describeChange,
} from "../src/snapshot.ts";

const account = {
  id: z.string(),
  name: z.string().max(200),
  kind: z.enum(["customer", "prospect"]),
  country: z.string().nullable(),
  contacts: z.array(z.object({ name: z.string(), email: z.email() })),
  seats: z.number().int(),
  notes: z.string().optional(),
};

/** The contracts with one schema in the place `side` names, as the snapshot holds them. */
function snapshotWith(side: ContractSide, schema: z.ZodType, version: EventVersion = "1.0") {
  if (side === "event") return contractSnapshot([], [defineEvent("account.changed", schema, { version })]);
  const endpoint = defineEndpoint({
    service: "probe",
    subject: "probe.account.update",
    summary: "A probe",
    request: side === "request" ? schema : z.strictObject({}),
    response: side === "response" ? schema : z.object({}),
    errors: [],
  });
  return contractSnapshot([endpoint], []);
}

function compare(side: ContractSide, before: z.ZodType, after: z.ZodType): ContractChange[] {
  return compareContracts(snapshotWith(side, before), snapshotWith(side, after));
}

const breaking = (changes: ContractChange[]) => changes.filter((c) => c.breaking).map(describeChange);

const request = z.strictObject(account);
const answer = z.object(account);

// [what changed, where, before, after, breaks a rolling upgrade]
const cases: [string, ContractSide, z.ZodType, z.ZodType, boolean][] = [
  // A request is read by the new service: it must take everything old callers send.
  [
    "a request member added as optional",
    "request",
    request,
    request.extend({ tag: z.string().optional() }),
    false,
  ],
  [
    "a request member added with a default",
    "request",
    request,
    request.extend({ tag: z.string().default("") }),
    false,
  ],
  ["a request member added as required", "request", request, request.extend({ tag: z.string() }), true],
  ["a request member removed", "request", request, request.omit({ notes: true }), true],
  ["a request member retyped", "request", request, request.extend({ seats: z.string() }), true],
  ["a request member made required", "request", request, request.extend({ notes: z.string() }), true],
  [
    "a request member made optional",
    "request",
    request,
    request.extend({ name: z.string().max(200).optional() }),
    false,
  ],
  [
    "a request member made nullable",
    "request",
    request,
    request.extend({ seats: z.number().int().nullable() }),
    false,
  ],
  ["a request member no longer nullable", "request", request, request.extend({ country: z.string() }), true],
  ["a request bound tightened", "request", request, request.extend({ name: z.string().max(100) }), true],
  ["a request bound relaxed", "request", request, request.extend({ name: z.string().max(300) }), false],
  ["a request bound added", "request", request, request.extend({ id: z.string().min(3) }), true],
  [
    "a request enum value added",
    "request",
    request,
    request.extend({ kind: z.enum(["customer", "prospect", "partner"]) }),
    false,
  ],
  ["a request enum value removed", "request", request, request.extend({ kind: z.enum(["customer"]) }), true],
  ["a request integer widened to a number", "request", request, request.extend({ seats: z.number() }), false],
  [
    "a nested request member removed",
    "request",
    request,
    request.extend({ contacts: z.array(z.object({ name: z.string() })) }),
    true,
  ],
  // An answer is read by callers with the old schema: it may only send what they accept.
  ["an answer member added", "response", answer, answer.extend({ tag: z.string() }), false],
  ["an answer member removed", "response", answer, answer.omit({ seats: true }), true],
  [
    "an answer member made optional",
    "response",
    answer,
    answer.extend({ seats: z.number().int().optional() }),
    true,
  ],
  ["an answer member made required", "response", answer, answer.extend({ notes: z.string() }), false],
  [
    "an answer member made nullable",
    "response",
    answer,
    answer.extend({ seats: z.number().int().nullable() }),
    true,
  ],
  ["an answer member retyped", "response", answer, answer.extend({ seats: z.string() }), true],
  [
    "an answer enum value added",
    "response",
    answer,
    answer.extend({ kind: z.enum(["customer", "prospect", "partner"]) }),
    true,
  ],
  ["an answer enum value removed", "response", answer, answer.extend({ kind: z.enum(["customer"]) }), true],
  ["an answer bound relaxed", "response", answer, answer.extend({ name: z.string().max(300) }), true],
  ["an answer bound tightened", "response", answer, answer.extend({ name: z.string().max(100) }), false],
  [
    "an answer format changed",
    "response",
    answer,
    answer.extend({ contacts: z.array(z.object({ name: z.string(), email: z.url() })) }),
    true,
  ],
  // An event payload is read by the tolerant reader: as an answer, but a new enum value is fine.
  ["an event member added", "event", answer, answer.extend({ tag: z.string() }), false],
  [
    "an event enum value added",
    "event",
    answer,
    answer.extend({ kind: z.enum(["customer", "prospect", "partner"]) }),
    false,
  ],
  ["an event enum value removed", "event", answer, answer.extend({ kind: z.enum(["customer"]) }), true],
  ["an event member removed", "event", answer, answer.omit({ name: true }), true],
  ["an event member retyped", "event", answer, answer.extend({ seats: z.string() }), true],
  [
    "an event member made optional",
    "event",
    answer,
    answer.extend({ name: z.string().max(200).optional() }),
    true,
  ],
];

describe("compareContracts", () => {
  it.each(cases)("%s (%s)", (_, side, before, after, breaks) => {
    const changes = compare(side, before, after);
    expect(changes.length, "the change is noticed").toBeGreaterThan(0);
    expect(breaking(changes).length > 0, changes.map(describeChange).join("\n")).toBe(breaks);
  });

  it("sees no change between equal contracts, of any kind", () => {
    for (const side of ["request", "response", "event"] as const)
      expect(
        compare(side, side === "request" ? request : answer, side === "request" ? request : answer),
      ).toEqual([]);
  });

  it("names where and what: the endpoint, the side, the member path", () => {
    expect(
      breaking(
        compare("request", request, request.extend({ contacts: z.array(z.object({ name: z.string() })) })),
      ),
    ).toEqual(["BREAKING endpoint probe.account.update request: contacts[].email: removed"]);
    expect(
      breaking(
        compare("response", answer, answer.extend({ kind: z.enum(["customer", "prospect", "partner"]) })),
      ),
    ).toEqual([
      'BREAKING endpoint probe.account.update response: kind: gained the value(s) "partner", which readers of answers refuse',
    ]);
    expect(
      breaking(compare("response", answer, answer.extend({ seats: z.number().int().nullable() }))),
    ).toEqual([
      "BREAKING endpoint probe.account.update response: seats: may now be null, which readers do not accept (they expect integer)",
    ]);
  });

  it("matches each alternative of a union with its own (two string formats)", () => {
    const ip = z.strictObject({ address: z.union([z.ipv4(), z.ipv6()]) });
    expect(compare("request", ip, ip)).toEqual([]);
    expect(breaking(compare("request", ip, z.strictObject({ address: z.ipv4() })))).toEqual([
      'BREAKING endpoint probe.account.update request: address: format "ipv6" → "ipv4"',
    ]);
  });

  it("breaks on a removed endpoint, not on an added one", () => {
    const one = snapshotWith("request", request);
    const none = contractSnapshot([], []);
    expect(compareContracts(one, none).map(describeChange)).toEqual([
      "BREAKING endpoint probe.account.update: removed",
    ]);
    expect(compareContracts(none, one).map(describeChange)).toEqual(["endpoint probe.account.update: added"]);
  });

  it("keeps each major version of an event as a contract of its own: adding one is compatible, removing one breaks", () => {
    const v1 = defineEvent("account.changed", answer);
    const v2 = defineEvent("account.changed", answer.extend({ seats: z.string() }), { version: "2.0" });
    const both = contractSnapshot([], [v1, v2]);
    expect(Object.keys(both.events)).toEqual(["account.changed@1", "account.changed@2"]);
    expect(breaking(compareContracts(contractSnapshot([], [v1]), both))).toEqual([]);
    expect(breaking(compareContracts(both, contractSnapshot([], [v2])))).toEqual([
      "BREAKING event account.changed@1: removed",
    ]);
  });

  it("asks for a minor version bump when an event's payload changes compatibly", () => {
    const tagged = answer.extend({ tag: z.string() });
    const same = compareContracts(snapshotWith("event", answer), snapshotWith("event", tagged));
    expect(same.map(describeChange)).toContain(
      "event account.changed@1: changed: bump its minor version (1.0)",
    );
    const bumped = compareContracts(snapshotWith("event", answer), snapshotWith("event", tagged, "1.1"));
    expect(bumped.map(describeChange)).toEqual(["event account.changed@1: tag: added, required"]);
  });
});
