import { randomBytes } from "@licensing/model";
import { monotonicFactory } from "ulid";

/** Id prefixes say what an id names (`acc_…` is an account). One place lists them. */
export const idPrefixes = {
  account: "acc",
  contact: "con",
  product: "prd",
  license: "lic",
  licenseVersion: "lv",
  preset: "pre",
  signingKey: "key",
  user: "usr",
  request: "req",
  event: "evt",
  machine: "mch",
  lease: "lse",
  import: "imp",
  audit: "aud",
  batch: "bat",
  /** A migration run: one import of legacy licenses, rolled back as a whole. */
  run: "run",
  /** An operator's saved view: a named set of one table's filters. */
  savedView: "view",
  /** A product release (the Update server) and one of its files. */
  release: "rel",
  artifact: "art",
  /** A cockpit's delegation certificate (issue 19). */
  delegation: "dlg",
} as const;

export type IdKind = keyof typeof idPrefixes;

/** Prefixes a kind's ids had before it was renamed: still accepted where such ids are read, never issued. */
export const legacyIdPrefixes: Partial<Record<IdKind, readonly string[]>> = {
  /** Machines were "activations" until December 2026. */
  machine: ["act"],
};

/** Every prefix an id of `kind` may carry: its own first, then its legacy ones. */
export function acceptedIdPrefixes(kind: IdKind): readonly string[] {
  return [idPrefixes[kind], ...(legacyIdPrefixes[kind] ?? [])];
}

/**
 * The ULIDs' random part, from the model's pooled generator: ulid's own asks the system's for one
 * byte per character. A byte / 256 is uniform over the 32 characters (256 is a multiple of 32).
 */
const nextUlid = monotonicFactory(() => randomBytes(1)[0]! / 256);

/** A new id such as `acc_01JD6X8Q0V4N3ZP8E4E3W1T9QK`: time-ordered, so newer ids sort after older ones. */
export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${nextUlid()}`;
}

export function hasPrefix(kind: IdKind, id: string): boolean {
  return acceptedIdPrefixes(kind).some((prefix) => id.startsWith(`${prefix}_`));
}
