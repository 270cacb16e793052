import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  catalogEvents,
  defineEvent,
  issuerEvents,
  parseEventVersion,
  type ReceivedPayload,
  type Tolerant,
  tolerant,
} from "../src/index.ts";

const status = z.enum(["active", "retired"]);
const written = z.object({
  id: z.string().min(3),
  status,
  tags: z.array(z.strictObject({ kind: z.enum(["a", "b"]), note: z.string().optional() })).max(2),
  owner: z.object({ name: z.string(), role: status.nullable() }).optional(),
  counts: z.record(z.string(), z.number().int()),
});

describe("tolerant", () => {
  it("ignores members it does not know, strict objects' included, and keeps unknown enum values", () => {
    const reader = tolerant(written);
    const parsed = reader.parse({
      id: "abc",
      status: "archived",
      addedLater: { anything: true },
      tags: [{ kind: "c", note: "x", also: 1 }],
      owner: { name: "Ann", role: "auditor", since: "2026" },
      counts: { n: 1 },
    });
    expect(parsed).toEqual({
      id: "abc",
      status: "archived",
      tags: [{ kind: "c", note: "x" }],
      owner: { name: "Ann", role: "auditor" },
      counts: { n: 1 },
    });
  });

  it("still checks types, bounds and required members", () => {
    const reader = tolerant(written);
    const base = { id: "abc", status: "active", tags: [], counts: {} };
    expect(reader.safeParse(base).success).toBe(true);
    expect(reader.safeParse({ ...base, id: "ab" }).success).toBe(false);
    expect(reader.safeParse({ ...base, status: 3 }).success).toBe(false);
    expect(reader.safeParse({ ...base, tags: [{ kind: "a" }, { kind: "a" }, { kind: "b" }] }).success).toBe(
      false,
    );
    expect(reader.safeParse({ ...base, counts: { n: 1.5 } }).success).toBe(false);
    const { id: _, ...withoutId } = base;
    expect(reader.safeParse(withoutId).success).toBe(false);
  });

  it("leaves the writer's schema as it was, and derives once", () => {
    expect(written.safeParse({ id: "abc", status: "archived", tags: [], counts: {} }).success).toBe(false);
    expect(tolerant(written)).toBe(tolerant(written));
  });

  it("follows recursive schemas", () => {
    interface Node {
      kind: "leaf" | "branch";
      children: Node[];
    }
    const node: z.ZodType<Node> = z.object({
      kind: z.enum(["leaf", "branch"]),
      children: z.array(z.lazy(() => node)),
    });
    expect(
      tolerant(node).parse({ kind: "branch", children: [{ kind: "twig", children: [], extra: 1 }] }),
    ).toEqual({ kind: "branch", children: [{ kind: "twig", children: [] }] });
  });

  it("types an enum as its values or an unknown one, so a reader must say what it does then", () => {
    type Read = Tolerant<z.output<typeof written>>;
    expectTypeOf<Read["status"]>().toExtend<string>();
    expectTypeOf<"archived">().toExtend<Read["status"]>();
    expectTypeOf<Read["status"]>().not.toExtend<"active" | "retired">();
    expectTypeOf<Read["id"]>().toEqualTypeOf<string>();
    expectTypeOf<ReceivedPayload<typeof issuerEvents.licenseIssued>["serial"]>().toEqualTypeOf<number>();
  });
});

describe("event versions", () => {
  it("are 1.0 unless declared, and must read <major>.<minor>", () => {
    expect(catalogEvents.productDeleted.version).toBe("1.0");
    // signing-key.rotated gained role (issue 18), a compatible change with a default for 1.0 payloads.
    expect(issuerEvents.signingKeyRotated.version).toBe("1.1");
    const writtenBy10 = {
      keyId: "k20260101-abcdef",
      publicKey: "A".repeat(43),
      status: "active",
      createdAt: "2026-01-01T00:00:00.000Z",
      retiredAt: null,
    };
    expect(issuerEvents.signingKeyRotated.reader.parse(writtenBy10)).toMatchObject({ role: "license" });
    // license.* gained legacyKeyHash (issue 14), a compatible change.
    expect(issuerEvents.licenseIssued.version).toBe("1.1");
    expect(defineEvent("probe.done", z.object({}), { version: "2.3" }).version).toBe("2.3");
    expect(() => defineEvent("probe.done", z.object({}), { version: "2" as "2.0" })).toThrow(
      "not <major>.<minor>",
    );
    expect(parseEventVersion("1.12")).toEqual({ major: 1, minor: 12 });
    expect(parseEventVersion("1")).toBeUndefined();
    expect(parseEventVersion("v1.0")).toBeUndefined();
  });
});
