// The contract snapshot (packages/contracts/src/snapshot.ts): `npm run contracts:snapshot` writes
// packages/contracts/contracts.snapshot.json from the contracts of the code, once the changes since
// the last one are compatible; a test (deploy/test/contracts-snapshot.test.ts) fails on a breaking one.
// A breaking change is written only when said so (`-- --breaking`), e.g. to remove an event's old
// major version once its upgrade window has passed (docs/development.md, "Contracts that evolve").
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  type ContractSnapshot,
  compareContracts,
  contractSnapshot,
  describeChange,
} from "@licensing/contracts/snapshot";

export const snapshotPath = resolve(import.meta.dirname, "../packages/contracts/contracts.snapshot.json");

export function committedSnapshot(): ContractSnapshot {
  return JSON.parse(readFileSync(snapshotPath, "utf8")) as ContractSnapshot;
}

if (import.meta.main) {
  const current = contractSnapshot();
  const changes = compareContracts(committedSnapshot(), current);
  for (const change of changes) console.log(describeChange(change));
  if (changes.some((change) => change.breaking) && !process.argv.includes("--breaking")) {
    console.error(
      "Not written: the changes above marked BREAKING would break a rolling upgrade. Make them compatible, " +
        "or pass --breaking if the break is intended (docs/development.md, “Contracts that evolve”).",
    );
    process.exit(1);
  }
  writeFileSync(snapshotPath, `${JSON.stringify(current, null, 2)}\n`);
  // In the house format, so `npm run check` passes as soon as it is written.
  execFileSync("npx", ["biome", "format", "--write", snapshotPath], { stdio: "ignore" });
  console.log(`${snapshotPath}: written (${changes.length} change(s))`);
}
