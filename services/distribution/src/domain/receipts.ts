import type { ReceiptAnomaly, ReceiptUpload } from "@licensing/contracts";
import { authorityKeyId, GENESIS_HASH, type OpenedReceipt } from "@licensing/model";
import { type EntityManager, execute, type Orm, query } from "@licensing/platform";
import { licenseKeySet } from "./documents.ts";
import type { LicenseRecord } from "./licenses.ts";
import { type Finding, judgeLog } from "./receipt-chain.ts";
import {
  type Binding,
  bindingsOf,
  type StoredCertificate,
  sha256Hex,
  type VerifiedLease,
  verifyLeases,
} from "./receipt-leases.ts";
import {
  type AcceptedReceipt,
  checkLeases,
  countUnits,
  storeFindings,
  storeLeases,
} from "./receipt-store.ts";
import type { ReceiptVerifier } from "./receipt-verifier.ts";
import type { PublicKeys } from "./signing.ts";

interface OpenedLog {
  machine: string;
  binding: Binding;
  receipts: OpenedReceipt[];
}

interface ChainRow {
  machine_key_id: string;
  license_id: string;
  last_seq: string;
  last_hash: string;
}

/**
 * Usage receipts uploads (issue 19, docs/license-file-format.md section 16): the signatures are checked
 * first, outside any transaction; then ONE transaction per upload locks the logs' chain rows
 * (`for update`, in key order), judges each log against them, and stores the receipts, the units
 * (into the license's `units_consumed` and `usage_reports`, as POST /v1/usage counts them), the chain
 * heads and the findings. A failure rolls the whole upload back; a replayed upload counts nothing.
 */
export class Receipts {
  readonly #orm: Orm;
  readonly #keys: PublicKeys;
  readonly #now: () => Date;
  readonly #verifier: ReceiptVerifier;

  constructor(orm: Orm, keys: PublicKeys, verifier: ReceiptVerifier, now: () => Date) {
    this.#orm = orm;
    this.#keys = keys;
    this.#verifier = verifier;
    this.#now = now;
  }

  async import(license: LicenseRecord, upload: ReceiptUpload) {
    const now = this.#now();
    const certificates = await query<StoredCertificate>(
      this.#orm,
      `select certificate_id, authority_key_id, fingerprint, certificate, revoked_at
       from distribution.delegations where license_id = $1`,
      [license.licenseId],
    );
    const verified = verifyLeases(upload.leases, certificates, licenseKeySet(this.#keys.list()));
    const findings = [...verified.findings];
    const storedLeases = await query<{ lease_id: string; collector_key_id: string; fingerprint: string }>(
      this.#orm,
      `select lease_id, collector_key_id, fingerprint from distribution.delegated_leases
       where license_id = $1 and collector_key_id = any($2::text[])`,
      [license.licenseId, upload.logs.map((log) => keyIdOf(log.machineKey))],
    );
    const bindings = bindingsOf(verified.leases, certificates, storedLeases);
    const logs = await openLogs(this.#verifier, upload, license.licenseId, bindings, findings);
    const outcome = await this.#orm.em.fork().transactional(async (em) => {
      await storeLeases(em, license.licenseId, verified.leases, findings);
      return judgeAndStore(em, license, logs, verified.leases, findings, now);
    });
    const detectedAt = now.toISOString();
    const anomalies: ReceiptAnomaly[] = findings.map(({ key: _key, ...finding }) => ({
      ...finding,
      detectedAt,
    }));
    return { ...outcome, anomalies };
  }
}

function keyIdOf(machineKey: string): string {
  return authorityKeyId(new Uint8Array(Buffer.from(machineKey, "base64")));
}

/** Each bound log's receipts opened with its key; the rest are findings (unknown machine, altered). */
async function openLogs(
  verifier: ReceiptVerifier,
  upload: ReceiptUpload,
  licenseId: string,
  bindings: Map<string, Binding>,
  findings: Finding[],
): Promise<OpenedLog[]> {
  const logs: OpenedLog[] = [];
  for (const log of upload.logs) {
    const machine = keyIdOf(log.machineKey);
    const binding = bindings.get(machine);
    if (!binding) {
      findings.push({
        kind: "unknown_machine",
        machine,
        seq: null,
        leaseId: null,
        message: `No valid lease nor certificate of this license binds the key ${machine}: its ${log.receipts.length} receipt(s) are not counted`,
        key: `unknown_machine:${machine}`,
      });
      continue;
    }
    const receipts: OpenedReceipt[] = [];
    const checks = await verifier.open(new Uint8Array(Buffer.from(log.machineKey, "base64")), log.receipts);
    for (const check of checks) {
      const problem = (message: string, seq: number | null) =>
        findings.push({
          kind: "altered",
          machine,
          seq,
          leaseId: null,
          message,
          key: `altered:${machine}:${sha256Hex(check.signed.payload + check.signed.signature)}`,
        });
      if ("code" in check) problem(`The receipt does not verify: ${check.message} (${check.code})`, null);
      else if (check.receipt.signer !== machine)
        problem(
          `The receipt names signer ${check.receipt.signer}, not the key that signed it`,
          check.receipt.seq,
        );
      else if (check.receipt.licenseId !== licenseId)
        problem(`The receipt is for license ${check.receipt.licenseId}, not this one`, check.receipt.seq);
      else receipts.push(check);
    }
    // One machine's log sent in two parts is one log: judged once, in the order given.
    const earlier = logs.find((l) => l.machine === machine);
    if (earlier) earlier.receipts.push(...receipts);
    else logs.push({ machine, binding, receipts });
  }
  return logs;
}

async function judgeAndStore(
  em: EntityManager,
  license: LicenseRecord,
  logs: OpenedLog[],
  leases: VerifiedLease[],
  findings: Finding[],
  now: Date,
) {
  const machines = logs.map((log) => log.machine).sort();
  await execute(
    em,
    `insert into distribution.receipt_chains (machine_key_id, license_id, last_seq, last_hash)
     select k, $2, -1, $3 from unnest($1::text[]) k on conflict (machine_key_id) do nothing`,
    [machines, license.licenseId, GENESIS_HASH],
  );
  const chains = await query<ChainRow>(
    em,
    `select machine_key_id, license_id, last_seq, last_hash from distribution.receipt_chains
     where machine_key_id = any($1::text[]) order by machine_key_id for update`,
    [machines],
  );
  const chainOf = new Map(chains.map((row) => [row.machine_key_id, row]));
  const accepted: AcceptedReceipt[] = [];
  let duplicates = 0;
  for (const log of logs) {
    const chain = chainOf.get(log.machine)!;
    if (chain.license_id !== license.licenseId) {
      findings.push({
        kind: "unknown_machine",
        machine: log.machine,
        seq: null,
        leaseId: null,
        message: "This machine key's log belongs to another license",
        key: `unknown_machine:${log.machine}`,
      });
      continue;
    }
    const head = Number(chain.last_seq);
    const touched = log.receipts
      .filter((r) => r.receipt.seq <= head)
      .flatMap((r) => [r.receipt.seq, r.receipt.seq - 1]);
    const stored = new Map<number, string>();
    if (touched.length > 0) {
      const rows = await query<{ seq: string; hash: string }>(
        em,
        "select seq, hash from distribution.receipts where machine_key_id = $1 and seq = any($2::bigint[])",
        [log.machine, touched],
      );
      for (const row of rows) stored.set(Number(row.seq), row.hash);
    }
    const judged = judgeLog(log.machine, { head, headHash: chain.last_hash }, stored, log.receipts);
    duplicates += judged.duplicates;
    findings.push(...judged.findings);
    for (const opened of judged.accepted) {
      const leaseId = opened.receipt.leaseId;
      const binding = log.binding;
      const fingerprint =
        binding.kind === "cockpit"
          ? binding.fingerprint
          : (binding.leases.get(leaseId ?? "")?.fingerprint ?? null);
      if (binding.kind === "collector" && (leaseId === null || !binding.leases.has(leaseId)))
        findings.push({
          kind: "invalid_lease",
          machine: log.machine,
          seq: opened.receipt.seq,
          leaseId,
          message:
            "The receipt names a lease this collector's key does not hold (counted: it is signed usage)",
          key: `invalid_lease:${log.machine}:${opened.receipt.seq}:${opened.hash}`,
        });
      accepted.push({ log, opened, fingerprint });
    }
    if (judged.accepted.length > 0) {
      const units = judged.accepted.reduce((n, r) => n + r.receipt.units, 0);
      const last = judged.accepted.reduce((a, b) => (a.receipt.at > b.receipt.at ? a : b));
      const fingerprint = accepted.at(-1)?.fingerprint ?? null;
      await execute(
        em,
        `update distribution.receipt_chains set last_seq = $2, last_hash = $3, receipts = receipts + $4,
           units = units + $5, last_receipt_at = greatest(last_receipt_at, $6),
           fingerprint = coalesce($7, fingerprint), lease_id = coalesce($8, lease_id)
         where machine_key_id = $1`,
        [
          log.machine,
          judged.head,
          judged.headHash,
          judged.accepted.length,
          units,
          last.receipt.at,
          fingerprint,
          last.receipt.leaseId,
        ],
      );
    }
  }
  const units = await countUnits(em, license, accepted, now);
  await checkLeases(em, license.licenseId, accepted, leases, findings);
  await storeFindings(em, license.licenseId, findings, now);
  return { accepted: accepted.length, duplicates, units };
}
