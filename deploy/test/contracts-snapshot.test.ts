import { compareContracts, contractSnapshot, describeChange } from "@licensing/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { committedSnapshot } from "../contracts-snapshot.ts";

describe("the bus's contracts", () => {
  it("have not changed in a way that breaks a rolling upgrade since the committed snapshot", () => {
    const changes = compareContracts(committedSnapshot(), contractSnapshot());
    const breaking = changes.filter((change) => change.breaking).map(describeChange);
    expect(
      breaking,
      "Breaking changes (docs/development.md, “Contracts that evolve”): make them compatible, or, when the " +
        "break is intended, npm run contracts:snapshot -- --breaking",
    ).toEqual([]);
    if (changes.length > 0)
      console.warn(
        `The contracts changed compatibly since the snapshot; record it with npm run contracts:snapshot:\n${changes
          .map((change) => `  ${describeChange(change)}`)
          .join("\n")}`,
      );
  });
});
