// "Is there an update for me?" answered from a verified release index alone. Entitlement (which
// releases a license may fetch: its product, channel rights, maintenance window) is the server's
// decision, made before it signs the index it sends; this only picks among what the index offers.
import { clip, ModelError } from "./errors.ts";
import type { Artifact, Release, ReleaseIndex } from "./release-index-schema.ts";
import { compareSemver, parseSemver, type SemVer } from "./semver.ts";

/** Why there is no upgrade. */
export type NoUpgradeReason =
  /** No release in the index (yanked ones aside) is newer than the current version. */
  | "up_to_date"
  /** Newer releases exist, but none has an artifact for this platform, architecture (and file type). */
  | "no_artifact_for_platform"
  /** Newer releases with a matching artifact exist, but none can be installed over the current version. */
  | "not_upgradable_from_current";

export type UpgradeQuery = {
  currentVersion: string;
  platform: string;
  arch: string;
  /** Only artifacts of this type; else the release's first artifact for the platform and arch. */
  fileType?: string;
};

export type UpgradeAnswer = (
  | { upgrade: true; release: Release; artifact: Artifact }
  | { upgrade: false; reason: NoUpgradeReason }
) & {
  /** The current version is listed as yanked: the product should urge the upgrade (or a reinstall). */
  currentYanked: boolean;
};

/**
 * The highest non-yanked release newer than `currentVersion` (SemVer precedence) whose
 * upgradable-from range (inclusive bounds) admits it and that has an artifact for the platform and
 * arch, or the reason there is none. Throws ModelError `invalid_argument` for a malformed version.
 */
export function bestUpgrade(index: ReleaseIndex, query: UpgradeQuery): UpgradeAnswer {
  const current = parseSemver(query?.currentVersion);
  for (const field of ["platform", "arch"] as const) {
    if (typeof query[field] !== "string")
      throw new ModelError("invalid_argument", `${field} must be text, not ${clip(query[field])}.`);
  }
  const currentYanked = index.releases.some((r) => r.yanked && compareSemver(r.version, current) === 0);
  const newer = index.releases
    .filter((r) => !r.yanked && compareSemver(r.version, current) > 0)
    .map((release) => ({ release, version: parseSemver(release.version) }))
    .sort((a, b) => compareSemver(b.version, a.version));
  let withArtifact = false;
  for (const { release } of newer) {
    const artifact = release.artifacts.find(
      (a) =>
        a.platform === query.platform &&
        a.arch === query.arch &&
        (query.fileType === undefined || a.fileType === query.fileType),
    );
    if (artifact === undefined) continue;
    withArtifact = true;
    if (admits(release, current)) return { upgrade: true, release, artifact, currentYanked };
  }
  const reason =
    newer.length === 0
      ? "up_to_date"
      : withArtifact
        ? "not_upgradable_from_current"
        : "no_artifact_for_platform";
  return { upgrade: false, reason, currentYanked };
}

function admits(release: Release, current: SemVer): boolean {
  if (release.minUpgradableFrom !== undefined && compareSemver(current, release.minUpgradableFrom) < 0)
    return false;
  if (release.maxUpgradableFrom !== undefined && compareSemver(current, release.maxUpgradableFrom) > 0)
    return false;
  return true;
}
