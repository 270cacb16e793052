import { licenseParametersSchema } from "@licensing/contracts";
import type { z } from "zod";
import { shortBytes } from "./content-size.ts";

// Metadata given as JSON (a file or the "Edit as JSON" text): one object of code keys and text
// values, checked against the very schema the issuer applies to `metadata`, with each problem said
// in plain words and naming its key.

/** The contract's rule for metadata (keys are codes, values text of at most 2,000 characters). */
const metadataSchema = licenseParametersSchema.shape.metadata.unwrap();

/** A JSON file larger than this is refused unread: a license's HTTP request carries at most 8 MiB. */
export const maxMetadataFileBytes = 8 * 1024 * 1024;
/** Problems listed at most; the rest are counted. */
const listed = 5;

export type MetadataCheck =
  | { ok: true; metadata: Record<string, string> }
  | { ok: false; problems: string[] };

/** What `value` is, in words: `an array`, `a number`, `null`. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return "text";
  return `a ${typeof value}`;
}

const example = '{"po-number": "PO-1234", "site": "Lyon"}';

/** Checks text that should hold metadata as JSON. */
export function checkMetadataJson(text: string): MetadataCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`This is not valid JSON: ${(error as Error).message}`] };
  }
  return checkMetadata(value);
}

/** Checks a parsed value: one object whose keys are codes and whose values are text. */
export function checkMetadata(value: unknown): MetadataCheck {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return {
      ok: false,
      problems: [
        `Metadata must be one JSON object of keys and text values, e.g. ${example}; this is ${kindOf(value)}.`,
      ],
    };
  const result = metadataSchema.safeParse(value);
  if (result.success) return { ok: true, metadata: result.data };
  const problems = result.error.issues.slice(0, listed).map((issue) => describe(issue, value));
  const more = result.error.issues.length - listed;
  if (more > 0) problems.push(`…and ${more.toLocaleString("en-US")} more.`);
  return { ok: false, problems };
}

function describe(issue: z.core.$ZodIssue, value: object): string {
  const key = String(issue.path[0] ?? "");
  const named = key === "" ? "The empty key" : `Key "${key}"`;
  const given = (value as Record<string, unknown>)[key];
  switch (issue.code) {
    case "invalid_key":
      return `${named} is not a valid key: it ${issue.issues[0]?.message ?? "must be a code"}.`;
    case "invalid_type":
      return `${named}: the value must be text, not ${kindOf(given)}.`;
    case "too_big":
      return `${named}: the value has ${String(given).length.toLocaleString("en-US")} characters; at most ${Number(issue.maximum).toLocaleString("en-US")}.`;
    default:
      return `${named}: ${issue.message}`;
  }
}

/** Reads and checks a chosen JSON file. */
export async function readMetadataFile(file: File): Promise<MetadataCheck> {
  if (file.size > maxMetadataFileBytes)
    return {
      ok: false,
      problems: [
        `${file.name} is ${shortBytes(file.size)}; a license's request carries at most ${shortBytes(maxMetadataFileBytes)}, and its content at most 2 MiB.`,
      ],
    };
  return checkMetadataJson(await file.text());
}
