// Secrets `npm start` makes up for a development machine when none is configured, kept under .data/
// so they survive restarts (the issuer's keys stay readable). Production sets them explicitly.
import { randomBytes } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The content of `path`, created with `make()` (readable by its owner only) the first time. */
export function developmentSecret(path: string, make: () => string): { value: string; created: boolean } {
  if (existsSync(path)) return { value: readFileSync(path, "utf8").trim(), created: false };
  mkdirSync(dirname(path), { recursive: true });
  const value = make();
  // Written whole, then linked into place unless one is there already: a launcher starting beside
  // this one never reads half a key, and never replaces a key the other already uses.
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, `${value}\n`, { mode: 0o600 });
  try {
    linkSync(partial, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return { value: readFileSync(path, "utf8").trim(), created: false };
  } finally {
    unlinkSync(partial);
  }
  return { value, created: true };
}

export const randomKek = () => randomBytes(32).toString("base64");
