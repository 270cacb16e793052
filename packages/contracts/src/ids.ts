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
  activation: "act",
  lease: "lse",
  import: "imp",
  audit: "aud",
  batch: "bat",
} as const;

export type IdKind = keyof typeof idPrefixes;

const nextUlid = monotonicFactory();

/** A new id such as `acc_01JD6X8Q0V4N3ZP8E4E3W1T9QK`: time-ordered, so newer ids sort after older ones. */
export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${nextUlid()}`;
}

export function hasPrefix(kind: IdKind, id: string): boolean {
  return id.startsWith(`${idPrefixes[kind]}_`);
}
