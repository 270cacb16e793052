import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Release } from "../src/release-index-schema.ts";
import { compareSemver } from "../src/semver.ts";
import { bestUpgrade } from "../src/upgrade.ts";
import { codeOf } from "./helpers.ts";
import { releaseIndexArbitrary, sampleArtifact, sampleIndex, sampleRelease } from "./release-fixtures.ts";

const win = { platform: "windows", arch: "x64" };
const release = (version: string, extra: Partial<Release> = {}) =>
  sampleRelease({ version, notes: undefined, minUpgradableFrom: undefined, ...extra });
const pick = (
  releases: Release[],
  currentVersion: string,
  query: Partial<typeof win & { fileType: string }> = {},
) => bestUpgrade(sampleIndex({ releases }), { currentVersion, ...win, ...query });

describe("bestUpgrade", () => {
  it("offers the highest newer release, whatever the listing order", () => {
    const answer = pick([release("2.4.0"), release("2.10.0"), release("2.9.1")], "2.3.0");
    expect(answer).toMatchObject({
      upgrade: true,
      release: { version: "2.10.0" },
      artifact: sampleArtifact(),
      currentYanked: false,
    });
  });

  it("is up to date at or above the highest release", () => {
    expect(pick([release("2.4.0")], "2.4.0")).toEqual({
      upgrade: false,
      reason: "up_to_date",
      currentYanked: false,
    });
    expect(pick([release("2.4.0")], "3.0.0")).toEqual({
      upgrade: false,
      reason: "up_to_date",
      currentYanked: false,
    });
    expect(pick([], "1.0.0")).toMatchObject({ reason: "up_to_date" });
    // Build metadata does not make a release newer.
    expect(pick([release("2.4.0+build.9")], "2.4.0+build.1")).toMatchObject({ reason: "up_to_date" });
  });

  it("never offers a yanked release, and says when the current one is yanked", () => {
    const releases = [
      release("2.3.0", { yanked: true }),
      release("2.5.0", { yanked: true }),
      release("2.4.0"),
    ];
    expect(pick(releases, "2.3.0")).toMatchObject({
      upgrade: true,
      release: { version: "2.4.0" },
      currentYanked: true,
    });
    expect(pick(releases, "2.4.0")).toEqual({ upgrade: false, reason: "up_to_date", currentYanked: false });
  });

  it("offers a pre-release above the current version (channels decide who sees pre-releases)", () => {
    expect(pick([release("2.5.0-beta.2"), release("2.5.0-beta.10")], "2.5.0-beta.2")).toMatchObject({
      release: { version: "2.5.0-beta.10" },
    });
    expect(pick([release("2.5.0-rc.1")], "2.5.0")).toMatchObject({ reason: "up_to_date" });
  });

  it("respects the upgradable-from range, bounds included, falling back to a lower release", () => {
    const releases = [
      release("3.0.0", { minUpgradableFrom: "2.4.0", maxUpgradableFrom: "2.9.0" }),
      release("2.6.0"),
    ];
    expect(pick(releases, "2.4.0")).toMatchObject({ release: { version: "3.0.0" } });
    expect(pick(releases, "2.9.0")).toMatchObject({ release: { version: "3.0.0" } });
    expect(pick(releases, "2.3.9")).toMatchObject({ release: { version: "2.6.0" } });
    expect(pick(releases, "2.9.1")).toEqual({
      upgrade: false,
      reason: "not_upgradable_from_current",
      currentYanked: false,
    });
  });

  it("answers not_upgradable_from_current when only the range stands in the way", () => {
    expect(pick([release("3.0.0", { minUpgradableFrom: "2.0.0" })], "1.9.0")).toEqual({
      upgrade: false,
      reason: "not_upgradable_from_current",
      currentYanked: false,
    });
  });

  it("picks the artifact for the platform, arch and file type", () => {
    const artifacts = [
      sampleArtifact({ fileType: "msi", fileName: "a.msi" }),
      sampleArtifact({ fileType: "zip", fileName: "a.zip" }),
      sampleArtifact({ arch: "arm64", fileName: "arm.msi" }),
    ];
    const releases = [release("2.5.0", { artifacts })];
    expect(pick(releases, "2.0.0")).toMatchObject({ artifact: { fileName: "a.msi" } });
    expect(pick(releases, "2.0.0", { fileType: "zip" })).toMatchObject({ artifact: { fileName: "a.zip" } });
    expect(pick(releases, "2.0.0", { arch: "arm64" })).toMatchObject({ artifact: { fileName: "arm.msi" } });
    expect(pick(releases, "2.0.0", { platform: "macos" })).toMatchObject({
      upgrade: false,
      reason: "no_artifact_for_platform",
    });
    expect(pick(releases, "2.0.0", { fileType: "dmg" })).toMatchObject({
      reason: "no_artifact_for_platform",
    });
    // The highest release lacks the platform: the next one that has it is offered.
    const mixed = [
      release("2.6.0", { artifacts: [sampleArtifact({ platform: "linux" })] }),
      release("2.5.0", { artifacts }),
    ];
    expect(pick(mixed, "2.0.0")).toMatchObject({ release: { version: "2.5.0" } });
  });

  it("refuses a malformed query", () => {
    expect(codeOf(() => pick([release("2.5.0")], "v2.0"))).toBe("invalid_argument");
    expect(codeOf(() => pick([release("2.5.0")], "2.0.0", { platform: 5 as never }))).toBe(
      "invalid_argument",
    );
  });

  it("offers only what qualifies, and nothing that qualifies is higher", () => {
    fc.assert(
      fc.property(releaseIndexArbitrary, fc.nat(30), fc.nat(30), (index, major, minor) => {
        const currentVersion = `${major % 31}.${minor % 31}.0`;
        const platform = index.releases[0]?.artifacts[0]?.platform ?? "windows";
        const arch = index.releases[0]?.artifacts[0]?.arch ?? "x64";
        const answer = bestUpgrade(index, { currentVersion, platform, arch });
        const qualifies = (r: Release) =>
          !r.yanked &&
          compareSemver(r.version, currentVersion) > 0 &&
          (r.minUpgradableFrom === undefined || compareSemver(currentVersion, r.minUpgradableFrom) >= 0) &&
          (r.maxUpgradableFrom === undefined || compareSemver(currentVersion, r.maxUpgradableFrom) <= 0) &&
          r.artifacts.some((a) => a.platform === platform && a.arch === arch);
        const eligible = index.releases.filter(qualifies);
        if (!answer.upgrade) expect(eligible).toEqual([]);
        else {
          expect(qualifies(answer.release)).toBe(true);
          for (const r of eligible)
            expect(compareSemver(r.version, answer.release.version)).toBeLessThanOrEqual(0);
          expect(answer.artifact.platform).toBe(platform);
        }
      }),
      { numRuns: 200 },
    );
  });
});
