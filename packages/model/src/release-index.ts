// Release indexes: signed documents of purpose `release-index`, checked the way The Update Framework
// checks its timestamp metadata. Besides the signature, a client refuses an index that is older than
// the last one it accepted (rollback), that says something else under the same version (a forked
// or tampered issuer), that was issued in the future, or that has expired (a frozen index served
// forever). The issuer signs indexes with a key of its own role, never the license-file key: the
// caller passes the release keys, and the purpose's domain separation means a signature made for
// any other purpose never verifies as an index whatever the key.

import { canonicalBytes } from "./canonical-json.ts";
import type { Ed25519 } from "./ed25519.ts";
import { openDocument, sealDocument } from "./envelope.ts";
import { clip, ModelError, type ValidationIssue } from "./errors.ts";
import type { KeySet, Signer } from "./key-set.ts";
import { checkReleaseIndex, type ReleaseIndex } from "./release-index-schema.ts";
import { sha256Hex } from "./sha256.ts";

export const RELEASE_INDEX_PURPOSE = "release-index";
/** How far in the future `issuedAt` may be before the index is refused (clocks differ a little). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * What a client keeps from the last index it accepted, per product and channel, and passes back as
 * `lastSeen`: openReleaseIndex returns it as `state`.
 */
export type ReleaseIndexState = {
  product: string;
  channel: string;
  indexVersion: number;
  /**
   * SHA-256 (lower-case hex) of the index's content: its payload in canonical form without `issuedAt`
   * and `expiresAt`, so that the same version signed again for freshness is the same content.
   */
  digest: string;
  expiresAt: string;
};

export type OpenReleaseIndexOptions = {
  /** The issuer's release-index keys (never the license-file keys). */
  keys: KeySet;
  /** The current time: the later of the clock and the highest time this machine has seen. */
  now: Date | number;
  /** The state returned with the last index accepted for this product and channel. */
  lastSeen?: ReleaseIndexState;
  /** The product the index must be for (defaults to lastSeen's). */
  product?: string;
  /** The channel the index must be for (defaults to lastSeen's). */
  channel?: string;
  /** Verification implementation; the platform's fastest by default. */
  ed25519?: Ed25519;
};

/** A verified, current release index and the state to store for the next check. */
export type OpenedReleaseIndex = { index: ReleaseIndex; keyId: string; state: ReleaseIndexState };

/** Validates `index` and signs it as a release index. Throws ModelError `invalid_payload`. */
export function sealReleaseIndex(index: ReleaseIndex, signer: Signer): string {
  const result = checkReleaseIndex(index);
  if (!result.ok) throw invalidIndex("The release index cannot be signed", result.issues);
  return sealDocument({ purpose: RELEASE_INDEX_PURPOSE, payload: result.index, signer });
}

/**
 * Verifies a release index and checks it is current. In order: the envelope and signature (as for
 * every document), the payload (`invalid_payload`), its product and channel
 * (`index_scope_mismatch`), rollback below lastSeen (`index_rollback`), other content under
 * lastSeen's version (`index_conflict`), issuedAt in the future (`index_not_yet_valid`), expiry
 * (`index_expired`).
 */
export function openReleaseIndex(text: string, options: OpenReleaseIndexOptions): OpenedReleaseIndex {
  const now = instant(options.now);
  const { lastSeen } = options;
  if (lastSeen !== undefined) checkState(lastSeen);
  const opened = openDocument(text, {
    purpose: RELEASE_INDEX_PURPOSE,
    keys: options.keys,
    ed25519: options.ed25519,
  });
  const result = checkReleaseIndex(opened.payload);
  if (!result.ok) {
    throw invalidIndex(
      "The release index is authentic but its content is not a valid release index",
      result.issues,
    );
  }
  const index = result.index;
  for (const field of ["product", "channel"] as const) {
    const expected = options[field] ?? lastSeen?.[field];
    if (expected !== undefined && index[field] !== expected) {
      throw new ModelError(
        "index_scope_mismatch",
        `This release index is for ${field} ${clip(index[field])}, not ${clip(expected)}: the server answered with another ${field}'s index.`,
      );
    }
  }
  const digest = contentDigest(index);
  if (lastSeen !== undefined) {
    if (index.indexVersion < lastSeen.indexVersion) {
      throw new ModelError(
        "index_rollback",
        `This release index is version ${index.indexVersion}, older than version ${lastSeen.indexVersion} already accepted: it is a replay of an old index (a rollback attack or a stale mirror).`,
      );
    }
    if (index.indexVersion === lastSeen.indexVersion && digest !== lastSeen.digest) {
      throw new ModelError(
        "index_conflict",
        `This release index is version ${index.indexVersion}, the version already accepted, but its content differs: the issuer signed two different indexes under one version.`,
      );
    }
  }
  if (Date.parse(index.issuedAt) > now + MAX_CLOCK_SKEW_MS) {
    throw new ModelError(
      "index_not_yet_valid",
      `This release index was issued at ${index.issuedAt}, after this machine's time ${new Date(now).toISOString()}: check the clock.`,
    );
  }
  if (Date.parse(index.expiresAt) <= now) {
    throw new ModelError(
      "index_expired",
      `This release index expired at ${index.expiresAt}: the server (or a mirror) is serving a frozen index. Try again later, or check the clock.`,
    );
  }
  return {
    index,
    keyId: opened.keyId,
    state: {
      product: index.product,
      channel: index.channel,
      indexVersion: index.indexVersion,
      digest,
      expiresAt: index.expiresAt,
    },
  };
}

/**
 * SHA-256 of an index's content: everything but `issuedAt` and `expiresAt` (the freshness a server
 * renews by signing the same version again), in canonical form.
 */
function contentDigest(index: ReleaseIndex): string {
  const { issuedAt: _issuedAt, expiresAt: _expiresAt, ...content } = index;
  return sha256Hex(canonicalBytes(content));
}

function instant(now: unknown): number {
  const ms = now instanceof Date ? now.getTime() : now;
  if (typeof ms !== "number" || !Number.isFinite(ms))
    throw new ModelError("invalid_argument", "now must be a Date or a number of milliseconds.");
  return ms;
}

function checkState(state: unknown): asserts state is ReleaseIndexState {
  const s = state as Partial<ReleaseIndexState> | null;
  if (
    typeof s !== "object" ||
    s === null ||
    typeof s.product !== "string" ||
    typeof s.channel !== "string" ||
    !Number.isSafeInteger(s.indexVersion) ||
    typeof s.digest !== "string" ||
    !/^[0-9a-f]{64}$/.test(s.digest) ||
    typeof s.expiresAt !== "string"
  ) {
    throw new ModelError(
      "invalid_argument",
      "lastSeen must be the state openReleaseIndex returned: { product, channel, indexVersion, digest, expiresAt }.",
    );
  }
}

function invalidIndex(context: string, issues: ValidationIssue[]): ModelError {
  const shown = issues.slice(0, 10).map((i) => `${i.path || "(index)"}: ${i.message}`);
  if (issues.length > shown.length) shown.push(`and ${issues.length - shown.length} more`);
  return new ModelError("invalid_payload", `${context}: ${shown.join("; ")}.`, { issues });
}
