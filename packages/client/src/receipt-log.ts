// A machine's usage receipts (docs/license-file-format.md, section 16) as this client keeps them: the
// head of each log (next position, last hash, first position still kept) in the sealed state, the
// signed receipts beside it, one a line, in a document of their own. A receipt verifies on its own;
// the head in the sealed state is what makes a cut or an edited document show as a broken chain.
// Every function here runs inside StateStore.update, so the head and its document change together.
import type { receiptAnomalyKinds } from "@licensing/contracts";
import {
  authorityKeyId,
  GENESIS_HASH,
  isModelError,
  openReceipt,
  type SignedReceipt,
  sealReceipt,
  type UsageReceipt,
} from "@licensing/model";
import { fromBase64 } from "./offline-activation.ts";
import { type LogHead, receiptsDocument, type StateStore } from "./state.ts";

/** A receipt log's anomaly, as the contracts name them (reported, never silently dropped). */
export interface LogAnomaly {
  kind: (typeof receiptAnomalyKinds)[number];
  /** The position of the receipt concerned, when it could be read. */
  seq: number | null;
  message: string;
}

/** What accepting a collector's receipts did. */
export interface ReceiptReport {
  accepted: number;
  /** Receipts already held (same position, same receipt): a replay, kept once. */
  duplicates: number;
  /** Why the rest was not taken: the first receipt that does not chain, and what is wrong with it. */
  anomalies: LogAnomaly[];
}

export function newLog(keyId: string): LogHead {
  return { document: receiptsDocument(keyId), next: 0, hash: GENESIS_HASH, from: 0 };
}

/** The receipts `head` keeps, from position `fromSeq` on (at least its first kept position). */
export async function keptReceipts(state: StateStore, head: LogHead, fromSeq = 0): Promise<SignedReceipt[]> {
  const text = await state.getDocument(head.document);
  const lines = text ? text.split("\n") : [];
  if (lines.length !== head.next - head.from)
    throw new Error(`The receipts of ${head.document} do not match the log's head: the storage was edited`);
  return lines.slice(Math.max(0, fromSeq - head.from)).map((line) => JSON.parse(line) as SignedReceipt);
}

/** The receipt a kept line holds (verified when it was kept). */
export function receiptOf(signed: SignedReceipt): UsageReceipt {
  return JSON.parse(new TextDecoder().decode(fromBase64(signed.payload))) as UsageReceipt;
}

async function append(state: StateStore, head: LogHead, receipts: readonly SignedReceipt[]): Promise<void> {
  if (receipts.length === 0) return;
  const text = await state.getDocument(head.document);
  const added = receipts
    .map((r) => JSON.stringify({ payload: r.payload, signature: r.signature }))
    .join("\n");
  await state.setDocument(head.document, text ? `${text}\n${added}` : added);
}

/** Signs the next receipt of this machine's own log with its key and appends it. */
export async function appendOwn(
  state: StateStore,
  head: LogHead,
  fields: Omit<UsageReceipt, "seq" | "prev" | "signer">,
  key: { privateKey: string; publicKey: string },
): Promise<UsageReceipt> {
  const sealed = sealReceipt(
    { ...fields, seq: head.next, prev: head.hash, signer: authorityKeyId(fromBase64(key.publicKey)) },
    fromBase64(key.privateKey),
  );
  await append(state, head, [sealed.signed]);
  head.next++;
  head.hash = sealed.hash;
  return sealed.receipt;
}

/**
 * Verifies a machine's receipts in order and chains them onto what `head` holds: each signed by
 * `machineKey`, the next position naming the last hash. The first that does not fit (altered, a
 * gap, a fork, a broken link, or what `vouch` refuses) stops the rest, and is reported.
 */
export async function acceptChain(
  state: StateStore,
  head: LogHead,
  machineKey: Uint8Array,
  receipts: readonly SignedReceipt[],
  vouch: (receipt: UsageReceipt) => LogAnomaly | undefined,
): Promise<ReceiptReport> {
  const report: ReceiptReport = { accepted: 0, duplicates: 0, anomalies: [] };
  const signer = authorityKeyId(machineKey);
  const held = await keptReceipts(state, head);
  const taken: SignedReceipt[] = [];
  let next = head.next;
  let hash = head.hash;
  const stop = (anomaly: LogAnomaly) => report.anomalies.push(anomaly);
  for (const signed of receipts) {
    let opened: ReturnType<typeof openReceipt>;
    try {
      opened = openReceipt(signed, machineKey);
    } catch (error) {
      if (!isModelError(error)) throw error;
      stop({
        kind: "altered",
        seq: null,
        message: `A receipt after position ${next - 1} is refused: ${error.message}`,
      });
      break;
    }
    const { receipt } = opened;
    const at = receipt.seq;
    if (receipt.signer !== signer) {
      stop({
        kind: "altered",
        seq: at,
        message: `Receipt ${at} names signer ${receipt.signer}, not this machine's key`,
      });
      break;
    }
    if (at < next) {
      // Before the first kept position the receipt was acknowledged and forgotten: a replay.
      const same =
        at < head.from || (held[at - head.from] ?? taken[at - head.next])?.payload === signed.payload;
      if (same) {
        report.duplicates++;
        continue;
      }
      stop({
        kind: "fork",
        seq: at,
        message: `Receipt ${at} differs from the one already held at that position`,
      });
      break;
    }
    if (at > next) {
      stop({
        kind: "gap",
        seq: at,
        message: `Receipt ${at} came after ${next - 1}: receipts ${next}…${at - 1} are missing`,
      });
      break;
    }
    if (receipt.prev !== hash) {
      stop({
        kind: "broken_link",
        seq: at,
        message: `Receipt ${at} does not name the hash of receipt ${at - 1}`,
      });
      break;
    }
    const refused = vouch(receipt);
    if (refused) {
      stop(refused);
      break;
    }
    taken.push(signed);
    next++;
    hash = opened.hash;
  }
  await append(state, head, taken);
  head.next = next;
  head.hash = hash;
  report.accepted = taken.length;
  return report;
}

/** Forgets the kept receipts below position `upTo` (acknowledged by the distribution service). */
export async function forgetBefore(state: StateStore, head: LogHead, upTo: number): Promise<void> {
  if (upTo <= head.from) return;
  const kept = await keptReceipts(state, head, upTo);
  head.from = Math.min(upTo, head.next);
  if (kept.length === 0) await state.deleteDocument(head.document);
  else await state.setDocument(head.document, kept.map((r) => JSON.stringify(r)).join("\n"));
}
