// What the layouts share: rows made from the license facts, NULLs by chance.
import { type LicenseFacts, licenseFacts, type Row, random } from "../legacy-data.ts";

/** Rows derived from the license facts, with a mess generator of their own (so facts never shift). */
export function fromFacts(
  rows: number,
  seed: number,
  salt: number,
  make: (f: LicenseFacts, rng: () => number) => Row | null,
) {
  return function* (): Generator<Row> {
    const mess = random(seed * 7919 + salt);
    for (const facts of licenseFacts(rows, random(seed))) {
      const row = make(facts, mess);
      if (row !== null) yield row;
    }
  };
}

export const orNull = <T>(rng: () => number, p: number, value: T): T | null => (rng() < p ? null : value);
