import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError, issuer, parseOrThrow, toFieldIssues, unsafeTextIssues } from "../src/index.ts";

describe("unsafeTextIssues", () => {
  it("names every string holding a NUL or a lone surrogate, at any depth, member names included", () => {
    const value = {
      name: "adm\u0000in",
      ok: "Café ☕ 𝄞",
      metadata: { foo: "bar\ud800", "k\u0000ey": "v" },
      friendlyRestrictions: [
        { key: "a", value: "fine" },
        { key: "b", value: "\udc00x" },
      ],
    };
    expect(unsafeTextIssues(value)).toEqual([
      { path: "name", message: "must not contain a NUL character (U+0000)" },
      { path: "metadata.foo", message: "must not contain a lone UTF-16 surrogate (U+D800)" },
      { path: "metadata.k\\u0000ey", message: "member name must not contain a NUL character (U+0000)" },
      { path: "friendlyRestrictions.1.value", message: "must not contain a lone UTF-16 surrogate (U+DC00)" },
    ]);
  });

  it("says where in text of several lines (a CSV file) the character is", () => {
    expect(unsafeTextIssues({ csv: "name,type\nAcme,customer\nIni\u0000tech,customer\n" })).toEqual([
      { path: "csv", message: "must not contain a NUL character (U+0000): line 3, column 4" },
    ]);
    expect(unsafeTextIssues({ csv: "a\n\udfffb" })[0]?.message).toBe(
      "must not contain a lone UTF-16 surrogate (U+DFFF): line 2, column 1",
    );
  });

  it("accepts well-formed text, surrogate pairs included, and values that are not text", () => {
    expect(unsafeTextIssues({ a: "😀", b: 1, c: null, d: [true, "x"], e: undefined })).toEqual([]);
    expect(unsafeTextIssues("")).toEqual([]);
  });

  it("walks a deeply nested value without overflowing the stack", () => {
    let deep: unknown = "\u0000";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unsafeTextIssues(deep)).toHaveLength(1);
    let clean: unknown = { a: "fine" };
    for (let i = 0; i < 100_000; i++) clean = { [`k${i % 3}`]: [clean] };
    expect(unsafeTextIssues(clean)).toEqual([]);
  });

  it("finds such text in any member JSON.parse makes, __proto__ included, and only in a value's own members", () => {
    expect(unsafeTextIssues(JSON.parse('{"a":{"__proto__":{"b":"x\\u0000"}}}'))).toEqual([
      { path: "a.__proto__.b", message: "must not contain a NUL character (U+0000)" },
    ]);
    expect(unsafeTextIssues(JSON.parse('[{"ok":"y","\\ud800":1}]'))).toEqual([
      { path: "0.\\ud800", message: "member name must not contain a lone UTF-16 surrogate (U+D800)" },
    ]);
    const inherited = Object.create({ hidden: "\u0000" }) as object;
    expect(unsafeTextIssues({ inherited })).toEqual([]);
  });
});

describe("parseOrThrow", () => {
  it("refuses such text as validation_failed naming the field, before the schema", () => {
    const request = { id: "lic_01ARZ3NDEKTSV4RRFFQ69G5FAV", reason: "unpaid\u0000" };
    const error = catchError(() => parseOrThrow(issuer.suspend.request, request));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "reason", message: "must not contain a NUL character (U+0000)" }] },
    });
  });

  it("names an unknown member by its path, with the member it resembles", () => {
    const error = catchError(() =>
      parseOrThrow(issuer.createLicense.request, {
        accountId: "acc_01ARZ3NDEKTSV4RRFFQ69G5FAV",
        products: ["collector"],
        availableActivation: 3,
        friendlyRestrictions: [{ key: "k", value: "v", vaule: "w" }],
        zzz: 1,
      }),
    ) as AppError;
    expect(error.details?.issues).toEqual(
      expect.arrayContaining([
        { path: "availableActivation", message: "unknown member (did you mean availableActivations?)" },
        { path: "friendlyRestrictions.0.vaule", message: "unknown member (did you mean value?)" },
        { path: "zzz", message: "unknown member" },
      ]),
    );
    expect(error.message).toContain(
      "availableActivation: unknown member (did you mean availableActivations?)",
    );
  });
});

describe("toFieldIssues", () => {
  it("finds the object of an unknown member through optional, default, arrays and records", () => {
    const schema = z.strictObject({
      list: z.array(z.strictObject({ name: z.string() })).default([]),
      map: z.record(z.string(), z.strictObject({ count: z.number() })).optional(),
    });
    const result = schema.safeParse({ list: [{ name: "a", nmae: "b" }], map: { x: { count: 1, Count: 2 } } });
    expect(result.success).toBe(false);
    expect(toFieldIssues(result.error!, schema)).toEqual([
      { path: "list.0.nmae", message: "unknown member (did you mean name?)" },
      { path: "map.x.Count", message: "unknown member (did you mean count?)" },
    ]);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}
