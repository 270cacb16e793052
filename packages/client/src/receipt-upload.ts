// What a cockpit hands back to the distribution service (docs/client.md, "Fleet delegation"): the
// receipt logs not yet acknowledged, its own and its collectors', with the leases they name, in
// uploads of at most MAX_RECEIPTS_PER_UPLOAD receipts, online or as a file carried over an air gap.
import {
  MAX_LEASES_PER_UPLOAD,
  MAX_LOGS_PER_UPLOAD,
  MAX_RECEIPTS_PER_UPLOAD,
  type ReceiptAnomaly,
  type ReceiptUpload,
  receiptUploadResponse,
} from "@licensing/contracts";
import type { SignedReceipt } from "@licensing/model";
import type { ManagerContext } from "./context.ts";
import { LicenseError } from "./errors.ts";
import { forgetBefore, keptReceipts, receiptOf } from "./receipt-log.ts";
import type { AuthorityRecord, ClientState, LogHead, StateStore } from "./state.ts";

/** What uploadReceipts() did, over all its uploads. */
export interface ReceiptsSent {
  uploads: number;
  accepted: number;
  duplicates: number;
  /** Units the server counted against the license. */
  units: number;
  /** What the server found wrong in the logs (it keeps them too, for the operators). */
  anomalies: ReceiptAnomaly[];
}

function logsOf(record: AuthorityRecord, authorityKey: string): [string, LogHead][] {
  return [
    ...(record.own ? [[authorityKey, record.own] as [string, LogHead]] : []),
    ...Object.entries(record.collected),
  ];
}

/**
 * The oldest receipts not yet acknowledged, up to one upload's worth (its receipts, logs and the
 * leases they name, within receiptUploadRequest's limits), and the leases they name.
 */
export async function uploadOf(
  state: StateStore,
  record: AuthorityRecord,
  authorityKey: string,
): Promise<ReceiptUpload> {
  const upload: ReceiptUpload = { leases: [], logs: [] };
  const named = new Set<string | null>([null]);
  let budget = MAX_RECEIPTS_PER_UPLOAD;
  for (const [machineKey, head] of logsOf(record, authorityKey)) {
    if (budget === 0 || upload.logs.length === MAX_LOGS_PER_UPLOAD) break;
    const kept = await keptReceipts(state, head);
    if (kept.length === 0) continue;
    const receipts: SignedReceipt[] = [];
    for (const r of kept) {
      const leaseId = receiptOf(r).leaseId;
      // A lease more would overflow the upload: the rest goes in the next one.
      if (receipts.length === budget || (!named.has(leaseId) && named.size > MAX_LEASES_PER_UPLOAD)) break;
      named.add(leaseId);
      receipts.push(r);
    }
    if (receipts.length === 0) break;
    budget -= receipts.length;
    upload.logs.push({ machineKey, receipts });
  }
  upload.leases = record.leases.filter((l) => named.has(l.leaseId)).map((l) => l.text);
  return upload;
}

/**
 * Forgets the receipts `upload` carried, then the leases no longer current that no kept receipt
 * names. Returns how many receipts were forgotten.
 */
export async function forgetCarried(
  state: StateStore,
  record: AuthorityRecord,
  upload: ReceiptUpload,
  authorityKey: string,
  now: Date,
): Promise<number> {
  const heads = new Map(logsOf(record, authorityKey));
  let forgotten = 0;
  for (const log of upload.logs) {
    const head = heads.get(log.machineKey);
    const last = log.receipts.at(-1);
    if (!head || !last) continue;
    const before = head.from;
    await forgetBefore(state, head, receiptOf(last).seq + 1);
    forgotten += head.from - before;
  }
  const named = new Set<string | null>();
  for (const [, head] of heads)
    for (const r of await keptReceipts(state, head)) named.add(receiptOf(r).leaseId);
  record.leases = record.leases.filter(
    (l) => Date.parse(l.expiresAt) > now.getTime() || named.has(l.leaseId),
  );
  return forgotten;
}

/** Sends uploads (POST /v1/receipts) until nothing is left, forgetting each once answered. */
export async function sendReceipts(
  ctx: ManagerContext,
  recordOf: (s: ClientState) => AuthorityRecord,
  authorityKey: string,
): Promise<ReceiptsSent> {
  const sent: ReceiptsSent = { uploads: 0, accepted: 0, duplicates: 0, units: 0, anomalies: [] };
  const api = ctx.api();
  for (;;) {
    const upload = await uploadOf(ctx.state, recordOf(await ctx.state.read()), authorityKey);
    if (upload.logs.length === 0) return sent;
    const { body } = await api.call<unknown>("POST", "/v1/receipts", upload);
    const answer = receiptUploadResponse.safeParse(body);
    if (!answer.success)
      throw new LicenseError("server_error", "The receipts answer is not one this client reads");
    sent.uploads++;
    sent.accepted += answer.data.accepted;
    sent.duplicates += answer.data.duplicates;
    sent.units += answer.data.units;
    sent.anomalies.push(...answer.data.anomalies);
    const forgotten = await ctx.state.update((s) =>
      forgetCarried(ctx.state, recordOf(s), upload, authorityKey, ctx.now()),
    );
    if (forgotten === 0) return sent; // nothing moved (another process forgot them first): stop
  }
}
