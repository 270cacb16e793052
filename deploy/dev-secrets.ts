// Secrets `npm start` makes up for a development machine when none is configured, kept under .data/
// so they survive restarts (the issuer's keys stay readable). Production sets them explicitly.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The content of `path`, created with `make()` (readable by its owner only) the first time. */
export function developmentSecret(path: string, make: () => string): { value: string; created: boolean } {
  if (existsSync(path)) return { value: readFileSync(path, "utf8").trim(), created: false };
  mkdirSync(dirname(path), { recursive: true });
  const value = make();
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return { value, created: true };
}

export const randomKek = () => randomBytes(32).toString("base64");
