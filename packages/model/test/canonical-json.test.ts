import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalBytes, canonicalize, vouchForShape } from "../src/canonical-json.ts";
import { isModelError } from "../src/errors.ts";

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe("canonicalize (RFC 8785)", () => {
  it("reproduces the RFC's §3.2.2 example", () => {
    const input =
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
      '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}';
    expect(canonicalize(JSON.parse(input))).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("sorts properties by UTF-16 code units (RFC §3.2.3 example)", () => {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    // Read the order from the text: a parsed object would list the integer-like key "1" first.
    const order = [...canonicalize(input).matchAll(/:"([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual([
      "Carriage Return",
      "One",
      "Control",
      "Latin Small Letter O With Diaeresis",
      "Euro Sign",
      "Emoji: Grinning Face",
      "Hebrew Letter Dalet With Dagesh",
    ]);
  });

  // Appendix B: IEEE 754 bit patterns and their canonical text.
  const numbers: [string, string][] = [
    ["0000000000000000", "0"],
    ["8000000000000000", "0"],
    ["0000000000000001", "5e-324"],
    ["8000000000000001", "-5e-324"],
    ["7fefffffffffffff", "1.7976931348623157e+308"],
    ["ffefffffffffffff", "-1.7976931348623157e+308"],
    ["4340000000000000", "9007199254740992"],
    ["c340000000000000", "-9007199254740992"],
    ["4430000000000000", "295147905179352830000"],
    ["44b52d02c7e14af5", "9.999999999999997e+22"],
    ["44b52d02c7e14af6", "1e+23"],
    ["44b52d02c7e14af7", "1.0000000000000001e+23"],
    ["444b1ae4d6e2ef4e", "999999999999999700000"],
    ["444b1ae4d6e2ef4f", "999999999999999900000"],
    ["444b1ae4d6e2ef50", "1e+21"],
    ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
    ["3eb0c6f7a0b5ed8d", "0.000001"],
    ["41b3de4355555553", "333333333.3333332"],
    ["41b3de4355555554", "333333333.33333325"],
    ["41b3de4355555555", "333333333.3333333"],
    ["41b3de4355555556", "333333333.3333334"],
    ["41b3de4355555557", "333333333.33333343"],
    ["becbf647612f3696", "-0.0000033333333333333333"],
    ["43143ff3c1cb0959", "1424953923781206.2"],
  ];
  it.each(numbers)("formats the double %s as %s (Appendix B)", (bits, expected) => {
    expect(canonicalize(fromBits(bits))).toBe(expected);
  });

  it.each(["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])(
    "rejects the non-finite double %s (Appendix B) with a typed error",
    (bits) => {
      expect(() => canonicalize([fromBits(bits)])).toThrow(expect.objectContaining({ code: "invalid_json" }));
    },
  );

  it("escapes only what JCS requires, with lower-case hex", () => {
    expect(canonicalize('\u0000\u0008\t\n\f\r\u001f"\\/\u007f\u2028é😀')).toBe(
      '"\\u0000\\b\\t\\n\\f\\r\\u001f\\"\\\\/\u007f\u2028é😀"',
    );
  });

  it("rejects what I-JSON cannot carry, naming the path", () => {
    const bad: [unknown, string][] = [
      [{ a: [1, { b: "\ud800" }] }, "$.a[1].b"],
      [{ "\udc00": 1 }, "$"],
      [{ n: Number.NaN }, "$.n"],
      [{ big: 1n }, "$.big"],
      [{ d: new Date(0) }, "$.d"],
      [{ m: new Map() }, "$.m"],
      [[undefined], "$[0]"],
      [{ f: () => 1 }, "$.f"],
    ];
    for (const [value, path] of bad) {
      try {
        canonicalize(value);
        expect.unreachable();
      } catch (error) {
        expect(isModelError(error, "invalid_json")).toBe(true);
        expect((error as Error).message).toContain(path);
      }
    }
  });

  it("rejects cycles and excessive nesting", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => canonicalize(cycle)).toThrow(expect.objectContaining({ code: "invalid_json" }));
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => canonicalize(deep)).toThrow(expect.objectContaining({ code: "invalid_json" }));
  });

  it("leaves out undefined members and accepts null-prototype objects", () => {
    const bare = Object.assign(Object.create(null), { b: 1, a: undefined, c: null });
    expect(canonicalize(bare)).toBe('{"b":1,"c":null}');
  });

  it("is JSON, a fixed point, and independent of property order", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalize(value);
        const reparsed = JSON.parse(text);
        expect(canonicalize(reparsed)).toBe(text);
        const reversed = JSON.parse(text, (_key, v) =>
          v !== null && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        );
        expect(canonicalize(reversed)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("encodes as UTF-8", () => {
    expect([...canonicalBytes({ "€": 1 })]).toEqual([123, 34, 0xe2, 0x82, 0xac, 34, 58, 49, 125]);
  });
});

describe("canonicalize with wide objects", () => {
  it("is not confused by member names holding U+0000", () => {
    const filler = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, i]));
    const a = { ...filler, "a\u0000b": 1, c: 2 };
    const b = { ...filler, a: 1, "b\u0000c": 2 };
    expect(canonicalize(a)).toBe(
      JSON.stringify(Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1)))),
    );
    expect(canonicalize(b)).toBe(
      JSON.stringify(Object.fromEntries(Object.entries(b).sort(([x], [y]) => (x < y ? -1 : 1)))),
    );
  });
});

describe("canonicalize of a value vouched for", () => {
  it("writes it as the walk would", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const sorted = JSON.parse(canonicalize(value));
        // Only a value in canonical member order may be vouched for (integer-like names, which
        // JavaScript always enumerates first, can make that impossible).
        fc.pre(typeof sorted === "object" && sorted !== null && inCanonicalOrder(sorted));
        vouchForShape(sorted);
        expect(canonicalize(sorted)).toBe(canonicalize(value));
      }),
      { numRuns: 300 },
    );
  });

  it("still refuses a lone surrogate, naming the path, and keeps text that only looks like one", () => {
    const lone = { a: { b: "x\ud800" } };
    vouchForShape(lone);
    expect(() => canonicalize(lone)).toThrow(/\$\.a\.b: string holds a lone UTF-16 surrogate/);
    const literal = { a: "\\ud800 is how JSON escapes it" };
    vouchForShape(literal);
    expect(canonicalize(literal)).toBe('{"a":"\\\\ud800 is how JSON escapes it"}');
  });
});

function inCanonicalOrder(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return true;
  if (Array.isArray(value)) return value.every(inCanonicalOrder);
  const names = Object.keys(value);
  return (
    names.every((name, i) => i === 0 || names[i - 1]! < name) && Object.values(value).every(inCanonicalOrder)
  );
}
