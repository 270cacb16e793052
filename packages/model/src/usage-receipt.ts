// Verifiable usage receipts (docs/license-file-format.md, section 16): every execution authorized
// offline is recorded as a receipt signed by the machine's own key and chained by hash to the one
// before it, a per-machine append-only log. Receipts travel by the thousand, so each is compact (its
// canonical payload and signature, no armor), but signed with the same domain separation as every
// document: a receipt's signature is never valid for a lease, a certificate or a license file.
import { z } from "zod";
import { fromBase64, toBase64 } from "#codec";
import { ed25519 as platformEd25519 } from "#ed25519";
import { equalBytes } from "./bytes.ts";
import { canonicalBytes } from "./canonical-json.ts";
import type { Ed25519 } from "./ed25519.ts";
import { signedMessage } from "./envelope.ts";
import { ModelError } from "./errors.ts";
import { toIssues } from "./license.ts";
import { sha256Hex } from "./sha256.ts";

export const USAGE_RECEIPT_PURPOSE = "usage-receipt";
/** The `prev` of a log's first receipt (position 0). */
export const GENESIS_HASH = "0".repeat(64);
/** Longest payload of one receipt, in bytes. */
export const MAX_RECEIPT_PAYLOAD_BYTES = 2048;

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const code = z
  .string({ error: "must be text" })
  .min(1, { error: "must not be empty" })
  .max(128, { error: "must be at most 128 characters" })
  .refine((s) => s.isWellFormed() && !CONTROL.test(s), {
    error: "must not contain control characters or lone surrogates",
  });
const whole = z
  .number({ error: "must be a number" })
  .refine((n) => Number.isSafeInteger(n) && n >= 0, { error: "must be a whole number of 0 or more" });

// Members in RFC 8785 order.
export const usageReceiptSchema = z.strictObject({
  /** When the execution was authorized, by the machine's clock. */
  at: z.iso.datetime({ error: "must be an ISO-8601 UTC date-time such as 2025-01-31T00:00:00Z" }),
  /** The delegated lease it ran under; null for the cockpit's own executions. */
  leaseId: code.nullable(),
  licenseId: code,
  /** Execution mode (a lower-case token), or null. */
  mode: z
    .string({ error: "must be text" })
    .regex(/^[a-z0-9][a-z0-9._+-]{0,31}$/, { error: "must be a lower-case token such as scan" })
    .nullable(),
  /** SHA-256 (hex) of the previous receipt's payload bytes; GENESIS_HASH at position 0. */
  prev: z
    .string({ error: "must be text" })
    .regex(/^[0-9a-f]{64}$/, { error: "must be 64 lower-case hex digits" }),
  product: code,
  /** Position in the machine's log: 0, 1, 2… without gaps. */
  seq: whole,
  /** The signing key's id (authorityKeyId of the machine's public key). */
  signer: z
    .string({ error: "must be text" })
    .regex(/^fa-[0-9a-f]{32}$/, { error: "must be an authority key id" }),
  units: whole,
});
export type UsageReceipt = z.infer<typeof usageReceiptSchema>;

/** A receipt as it travels: its canonical payload bytes and its signature, both canonical base64. */
export type SignedReceipt = { payload: string; signature: string };

/** A receipt whose signature and content were checked, with its hash (what the next one's `prev` names). */
export type OpenedReceipt = { receipt: UsageReceipt; hash: string; signed: SignedReceipt };

/** Signs a receipt with the machine's private key (raw 32-byte seed). */
export function sealReceipt(
  receipt: UsageReceipt,
  privateKey: Uint8Array,
  ed25519: Ed25519 = platformEd25519,
): OpenedReceipt {
  const checked = parseReceipt(receipt);
  const bytes = canonicalBytes(checked);
  const signature = ed25519.sign(privateKey, signedMessage(USAGE_RECEIPT_PURPOSE, bytes));
  return {
    receipt: checked,
    hash: sha256Hex(bytes),
    signed: { payload: toBase64(bytes), signature: toBase64(signature) },
  };
}

/**
 * Checks a receipt against the machine's public key: canonical base64, a payload of at most
 * MAX_RECEIPT_PAYLOAD_BYTES in canonical form, a valid signature (`bad_signature`), a valid
 * receipt (`invalid_payload`). The chain (positions, `prev`) is the log's to check.
 */
export function openReceipt(
  signed: SignedReceipt,
  publicKey: Uint8Array,
  ed25519: Ed25519 = platformEd25519,
): OpenedReceipt {
  const bytes = typeof signed?.payload === "string" ? fromBase64(signed.payload) : undefined;
  const signature = typeof signed?.signature === "string" ? fromBase64(signed.signature) : undefined;
  if (!bytes || bytes.length > MAX_RECEIPT_PAYLOAD_BYTES || signature?.length !== 64)
    throw new ModelError(
      "malformed_envelope",
      `A receipt is { payload, signature } in canonical base64: a payload of at most ${MAX_RECEIPT_PAYLOAD_BYTES} bytes and a 64-byte signature.`,
    );
  if (!ed25519.verify(publicKey, signedMessage(USAGE_RECEIPT_PURPOSE, bytes), signature))
    throw new ModelError(
      "bad_signature",
      "The receipt's signature does not verify with the machine's key: it was altered or forged.",
    );
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new ModelError("invalid_payload", "The receipt's payload is not UTF-8 JSON.");
  }
  const receipt = parseReceipt(json);
  if (!equalBytes(canonicalBytes(receipt), bytes))
    throw new ModelError("invalid_payload", "The receipt's payload is not in canonical form.");
  return { receipt, hash: sha256Hex(bytes), signed };
}

function parseReceipt(input: unknown): UsageReceipt {
  const result = usageReceiptSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ModelError("invalid_payload", "The receipt is not a valid usage receipt", {
    issues: toIssues(result.error.issues),
  });
}
