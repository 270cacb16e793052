// The chain rules of docs/license-file-format.md section 16, judged against what this service holds
// of one machine's log: pure, so the rules are read (and tested) apart from the SQL around them.
import type { ReceiptAnomaly } from "@licensing/contracts";
import { GENESIS_HASH, type OpenedReceipt } from "@licensing/model";

/** A finding before it is stored: `key` makes the same finding the same row again (replays add none). */
export type Finding = Omit<ReceiptAnomaly, "detectedAt"> & { key: string };

export interface ChainHead {
  /** The highest position accepted (-1: none). */
  head: number;
  headHash: string;
}

export interface Judged extends ChainHead {
  accepted: OpenedReceipt[];
  duplicates: number;
  findings: Finding[];
}

/**
 * Judges a log's receipts (already opened: signature and content checked) in upload order.
 * `stored` holds the hashes this service accepted at the positions the upload touches (and the one
 * before each). Decisions (docs/distribution.md, "Fleet delegation"):
 * - next position, `prev` the head's hash → accepted;
 * - a position already accepted: the same hash → duplicate (counted once), another → fork;
 * - next position, another `prev` → broken link, not accepted;
 * - past the next position → gap reported, and the receipt accepted and counted (it is authentic
 *   usage; deleting receipts must not also hide the ones after); the chain goes on from it;
 * - a position a gap skipped, arriving later → accepted when it links to the receipt before it.
 */
export function judgeLog(
  machine: string,
  start: ChainHead,
  stored: Map<number, string>,
  receipts: readonly OpenedReceipt[],
): Judged {
  let { head, headHash } = start;
  const accepted: OpenedReceipt[] = [];
  const findings: Finding[] = [];
  let duplicates = 0;
  const find = (kind: Finding["kind"], opened: OpenedReceipt, message: string) =>
    findings.push({
      kind,
      machine,
      seq: opened.receipt.seq,
      leaseId: opened.receipt.leaseId,
      message,
      key: `${kind}:${machine}:${opened.receipt.seq}:${opened.hash}`,
    });
  for (const opened of receipts) {
    const { seq, prev } = opened.receipt;
    const known = stored.get(seq);
    if (known !== undefined) {
      if (known === opened.hash) duplicates++;
      else
        find("fork", opened, `Position ${seq} was accepted with hash ${known}; this one is ${opened.hash}`);
      continue;
    }
    if (seq > head + 1) {
      const missing = seq - head - 1;
      find(
        "gap",
        opened,
        `${missing} receipt(s) missing before position ${seq} (the last accepted is ${head})`,
      );
    } else {
      const before = seq === head + 1 ? headHash : seq === 0 ? GENESIS_HASH : stored.get(seq - 1);
      if (prev !== before) {
        find(
          "broken_link",
          opened,
          `Position ${seq} names ${prev} as the hash before it; the receipt held there is ${before ?? "missing"}`,
        );
        continue;
      }
    }
    stored.set(seq, opened.hash);
    accepted.push(opened);
    if (seq > head) {
      head = seq;
      headHash = opened.hash;
    }
  }
  return { head, headHash, accepted, duplicates, findings };
}

/**
 * Leases of one certificate held at once beyond its seats: each lease that, when it began, found
 * `seats` other machines holding a current lease is a finding (the cockpit handed out more than it
 * was allowed). A machine's renewal keeps its seat.
 */
export function overSeats(
  leases: readonly { leaseId: string; holder: string; issuedAt: number; expiresAt: number }[],
  seats: number,
): string[] {
  const sorted = [...leases].sort((a, b) => a.issuedAt - b.issuedAt || a.leaseId.localeCompare(b.leaseId));
  const over: string[] = [];
  // The machines holding a seat, each with the end of its newest lease: a renewal replaces the lease
  // its machine held (the same seat), it does not take another.
  const current = new Map<string, number>();
  for (const lease of sorted) {
    for (const [holder, expiresAt] of current) if (expiresAt <= lease.issuedAt) current.delete(holder);
    if (!current.has(lease.holder) && current.size >= seats) over.push(lease.leaseId);
    current.set(lease.holder, lease.expiresAt);
  }
  return over;
}
