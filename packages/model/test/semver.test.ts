import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareSemver, isSemver, MAX_SEMVER_LENGTH, parseSemver } from "../src/semver.ts";
import { codeOf } from "./helpers.ts";

describe("SemVer 2.0.0", () => {
  it("parses versions, pre-releases and build metadata", () => {
    expect(parseSemver("1.0.0-alpha.1+build.5")).toEqual({
      major: "1",
      minor: "0",
      patch: "0",
      prerelease: ["alpha", "1"],
      build: ["build", "5"],
    });
    for (const v of [
      "0.0.0",
      "10.20.30",
      "1.0.0-0A.is.legal",
      "1.0.0-x-y-z.--",
      "1.0.0+0.build.1-rc.10000aaa-kk-0.1",
      "99999999999999999999.0.0",
    ])
      expect([v, isSemver(v)]).toEqual([v, true]);
  });

  it("refuses what is not strictly SemVer", () => {
    for (const v of [
      "v1.2.3",
      "1.2",
      "1.2.3.4",
      "01.2.3",
      "1.2.3-01",
      "1.2.3-",
      "1.2.3+",
      " 1.2.3",
      "1.2.3\n",
      "1.2.3-a..b",
      "١.2.3",
      "",
    ])
      expect([v, isSemver(v), codeOf(() => parseSemver(v))]).toEqual([v, false, "invalid_argument"]);
    expect(isSemver(`1.0.0-${"a".repeat(MAX_SEMVER_LENGTH - 6)}`)).toBe(true);
    expect(isSemver(`1.0.0-${"a".repeat(MAX_SEMVER_LENGTH - 5)}`)).toBe(false);
    expect(isSemver(123)).toBe(false);
  });

  it("orders by precedence as semver.org §11 lists it", () => {
    const ordered = [
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
      "1.0.1",
      "1.1.0",
      "1.10.0",
      "2.0.0",
      "10.0.0",
      "100000000000000000000.0.0",
    ];
    for (let i = 0; i < ordered.length; i++)
      for (let j = 0; j < ordered.length; j++)
        expect([ordered[i], ordered[j], Math.sign(compareSemver(ordered[i]!, ordered[j]!))]).toEqual([
          ordered[i],
          ordered[j],
          Math.sign(i - j),
        ]);
    expect(compareSemver("1.0.0+a", "1.0.0+b")).toBe(0);
  });

  it("is a total order: antisymmetric and transitive", () => {
    const part = fc.constantFrom("0", "1", "2", "10");
    const id = fc.constantFrom("0", "1", "11", "a", "b", "rc", "-");
    const version = fc
      .tuple(part, part, part, fc.array(id, { maxLength: 3 }))
      .map(([a, b, c, pre]) => `${a}.${b}.${c}${pre.length ? `-${pre.join(".")}` : ""}`);
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        expect(Math.sign(compareSemver(a, b))).toBe(-Math.sign(compareSemver(b, a)) || 0);
        if (compareSemver(a, b) <= 0 && compareSemver(b, c) <= 0)
          expect(compareSemver(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });
});
