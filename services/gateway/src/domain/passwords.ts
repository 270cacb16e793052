import { argon2, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { AppError, type FieldIssue } from "@licensing/contracts";

const argon2Async = promisify(argon2);

/**
 * argon2id with OWASP's recommended minimum (Password Storage Cheat Sheet): 19 MiB of memory, 2
 * passes, 1 lane; a 16-byte random salt and a 32-byte tag. Stored as a PHC string, so a hash made
 * under older parameters still verifies and is upgraded at the next sign-in.
 */
const current = { memory: 19_456, passes: 2, parallelism: 1 };
const saltBytes = 16;
const tagBytes = 32;

export const passwordRules = { minLength: 12, maxLength: 1024 };

interface Phc {
  memory: number;
  passes: number;
  parallelism: number;
  salt: Buffer;
  hash: Buffer;
}

/** The PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) of `password`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(saltBytes);
  const hash = await derive(password, { ...current, salt, hash: Buffer.alloc(tagBytes) });
  return formatPhc({ ...current, salt, hash });
}

/** Whether `password` matches `phc`, in time independent of where they differ. */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const parsed = parsePhc(phc);
  if (!parsed) return false;
  const derived = await derive(password, parsed);
  return derived.length === parsed.hash.length && timingSafeEqual(derived, parsed.hash);
}

/** Whether a stored hash was made with weaker parameters than today's. */
export function needsRehash(phc: string): boolean {
  const parsed = parsePhc(phc);
  return (
    !parsed ||
    parsed.memory < current.memory ||
    parsed.passes < current.passes ||
    parsed.hash.length < tagBytes
  );
}

/**
 * A hash no password matches, verified against when the username is unknown so that an unknown
 * user costs the same time as a wrong password (no user enumeration by timing).
 */
export const unmatchableHash = formatPhc({
  ...current,
  salt: randomBytes(saltBytes),
  hash: randomBytes(tagBytes),
});

/** The problems of a new password, as field issues of `field`. */
export function passwordProblems(password: string, username: string, field: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (password.length < passwordRules.minLength)
    issues.push({ path: field, message: `must be at least ${passwordRules.minLength} characters` });
  if (password.length > passwordRules.maxLength)
    issues.push({ path: field, message: `must be at most ${passwordRules.maxLength} characters` });
  if (password.trim().toLowerCase() === username.trim().toLowerCase())
    issues.push({ path: field, message: "must not be the username" });
  return issues;
}

export function assertAcceptablePassword(password: string, username: string, field: string): void {
  const issues = passwordProblems(password, username, field);
  if (issues.length > 0) throw AppError.validation(issues);
}

// Unambiguous characters (no 0/O, 1/l/I), so a temporary password can be read out or typed.
const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";

/** A random password of 4 groups of 5 characters (about 113 bits), e.g. `Kq7vR-m3TzP-…`. */
export function generatePassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let group = "";
    for (let i = 0; i < 5; i++) group += alphabet[randomInt(alphabet.length)];
    groups.push(group);
  }
  return groups.join("-");
}

function derive(password: string, params: Phc): Promise<Buffer> {
  return argon2Async("argon2id", {
    message: password,
    nonce: params.salt,
    memory: params.memory,
    passes: params.passes,
    parallelism: params.parallelism,
    tagLength: params.hash.length,
  });
}

function b64(bytes: Buffer): string {
  return bytes.toString("base64").replace(/=+$/, "");
}

function formatPhc(p: Phc): string {
  return `$argon2id$v=19$m=${p.memory},t=${p.passes},p=${p.parallelism}$${b64(p.salt)}$${b64(p.hash)}`;
}

const phcPattern = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function parsePhc(phc: string): Phc | undefined {
  const match = phcPattern.exec(phc);
  if (!match) return undefined;
  const [, m, t, p, salt, hash] = match;
  return {
    memory: Number(m),
    passes: Number(t),
    parallelism: Number(p),
    salt: Buffer.from(salt!, "base64"),
    hash: Buffer.from(hash!, "base64"),
  };
}
