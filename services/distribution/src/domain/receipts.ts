import type { ReceiptAnomaly, ReceiptUpload } from "@licensing/contracts";
import { authorityKeyId, GENESIS_HASH, type OpenedReceipt } from "@licensing/model";
import type { EntityManager } from "@licensing/platform";
import { execute, type Orm, query } from "@licensing/platform";
import { licenseKeySet } from "./documents.ts";
import type { LicenseRecord } from "./licenses.ts";
import { type Finding, judgeLog, overSeats } from "./receipt-chain.ts";
import {
  type Binding,
  bindingsOf,
  type StoredCertificate,
  sha256Hex,
  type VerifiedLease,
  verifyLeases,
} from "./receipt-leases.ts";
import type { ReceiptVerifier } from "./receipt-verifier.ts";
import type { Timestamp } from "./rows.ts";
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

/** Stores the leases not seen before; a lease id reused for another lease is a finding. */
async function storeLeases(
  em: EntityManager,
  licenseId: string,
  leases: VerifiedLease[],
  findings: Finding[],
) {
  if (leases.length === 0) return;
  const column = <T>(pick: (v: VerifiedLease) => T) => leases.map(pick);
  await execute(
    em,
    `insert into distribution.delegated_leases (license_id, lease_id, certificate_id, collector_key_id,
       collector_key, fingerprint, seat, units, product, issued_at, expires_at)
     select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[],
       $8::bigint[], $9::text[], $10::timestamptz[], $11::timestamptz[])
     on conflict (license_id, lease_id) do nothing`,
    [
      licenseId,
      column((v) => v.lease.leaseId),
      column((v) => v.lease.certificateId),
      column((v) => v.collectorKeyId),
      column((v) => v.lease.collectorKey),
      column((v) => v.lease.fingerprint),
      column((v) => v.lease.seat),
      column((v) => v.lease.units),
      column((v) => v.lease.product),
      column((v) => v.lease.issuedAt),
      column((v) => v.lease.expiresAt),
    ],
  );
  const held = await query<{ lease_id: string; certificate_id: string; collector_key_id: string }>(
    em,
    `select lease_id, certificate_id, collector_key_id from distribution.delegated_leases
     where license_id = $1 and lease_id = any($2::text[])`,
    [licenseId, column((v) => v.lease.leaseId)],
  );
  const byId = new Map(held.map((row) => [row.lease_id, row]));
  for (const { lease, collectorKeyId } of leases) {
    const row = byId.get(lease.leaseId);
    if (row && (row.certificate_id !== lease.certificateId || row.collector_key_id !== collectorKeyId))
      findings.push({
        kind: "invalid_lease",
        machine: collectorKeyId,
        seq: null,
        leaseId: lease.leaseId,
        message: "Another lease was already received under this lease id: the cockpit reused it",
        key: `invalid_lease:reused:${lease.leaseId}:${collectorKeyId}`,
      });
  }
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
  const accepted: { log: OpenedLog; opened: OpenedReceipt; fingerprint: string | null }[] = [];
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

/** The accepted receipts, their usage reports and the license's balance, in three statements. */
async function countUnits(
  em: EntityManager,
  license: LicenseRecord,
  accepted: { log: OpenedLog; opened: OpenedReceipt; fingerprint: string | null }[],
  now: Date,
): Promise<number> {
  if (accepted.length === 0) return 0;
  const r = (pick: (a: (typeof accepted)[number]) => unknown) => accepted.map(pick);
  await execute(
    em,
    `insert into distribution.receipts (machine_key_id, seq, hash, at, units, lease_id, product, mode)
     select * from unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[], $5::bigint[], $6::text[],
       $7::text[], $8::text[])`,
    [
      r((a) => a.log.machine),
      r((a) => a.opened.receipt.seq),
      r((a) => a.opened.hash),
      r((a) => a.opened.receipt.at),
      r((a) => a.opened.receipt.units),
      r((a) => a.opened.receipt.leaseId),
      r((a) => a.opened.receipt.product),
      r((a) => a.opened.receipt.mode),
    ],
  );
  // Each receipt is one execution in the operators' usage reports, keyed so it is never counted twice.
  await execute(
    em,
    `insert into distribution.usage_reports (license_id, idempotency_key, units, account_id, product,
       fingerprint, execution_mode, executed_at, reported_at)
     select $1, k, u, $2, p, f, m, a, $3 from unnest($4::text[], $5::bigint[], $6::text[], $7::text[],
       $8::text[], $9::timestamptz[]) as t(k, u, p, f, m, a)`,
    [
      license.licenseId,
      license.accountId,
      now,
      r((a) => `receipt:${a.log.machine}:${a.opened.receipt.seq}`),
      r((a) => a.opened.receipt.units),
      r((a) => a.opened.receipt.product),
      r((a) => a.fingerprint),
      r((a) => a.opened.receipt.mode),
      r((a) => a.opened.receipt.at),
    ],
  );
  const units = accepted.reduce((n, a) => n + a.opened.receipt.units, 0);
  // Usage that happened offline is a fact: counted even past the balance (remaining shows 0 then).
  await execute(
    em,
    `update distribution.licenses set units_consumed = units_consumed + $2,
       last_used_at = greatest(last_used_at, $3) where license_id = $1`,
    [license.licenseId, units, now],
  );
  return units;
}

/** Units past a lease's, and leases of one certificate held at once beyond its seats. */
async function checkLeases(
  em: EntityManager,
  licenseId: string,
  accepted: { opened: OpenedReceipt }[],
  leases: VerifiedLease[],
  findings: Finding[],
) {
  const perLease = new Map<string, number>();
  for (const { opened } of accepted)
    if (opened.receipt.leaseId !== null)
      perLease.set(
        opened.receipt.leaseId,
        (perLease.get(opened.receipt.leaseId) ?? 0) + opened.receipt.units,
      );
  if (perLease.size > 0) {
    const rows = await query<{ lease_id: string; units: string; units_used: string }>(
      em,
      `update distribution.delegated_leases d set units_used = units_used + t.u
       from unnest($2::text[], $3::bigint[]) as t(id, u)
       where d.license_id = $1 and d.lease_id = t.id returning d.lease_id, d.units, d.units_used`,
      [licenseId, [...perLease.keys()], [...perLease.values()]],
    );
    for (const row of rows)
      if (Number(row.units_used) > Number(row.units))
        findings.push({
          kind: "over_units",
          machine: null,
          seq: null,
          leaseId: row.lease_id,
          message: `Receipts under this lease carry ${row.units_used} units; it allows ${row.units}`,
          key: `over_units:${row.lease_id}:${row.units_used}`,
        });
  }
  const seatsOf = new Map(leases.map((v) => [v.lease.certificateId, v.seats]));
  const brought = new Set(leases.map((v) => v.lease.leaseId));
  if (seatsOf.size === 0) return;
  const held = await query<{
    certificate_id: string;
    lease_id: string;
    issued_at: Timestamp;
    expires_at: Timestamp;
  }>(
    em,
    `select certificate_id, lease_id, issued_at, expires_at from distribution.delegated_leases
     where license_id = $1 and certificate_id = any($2::text[])`,
    [licenseId, [...seatsOf.keys()]],
  );
  for (const [certificateId, seats] of seatsOf) {
    const own = held
      .filter((row) => row.certificate_id === certificateId)
      .map((row) => ({
        leaseId: row.lease_id,
        issuedAt: new Date(row.issued_at).getTime(),
        expiresAt: new Date(row.expires_at).getTime(),
      }));
    // Each upload answers for the leases it brings (an earlier finding stays on record).
    for (const leaseId of overSeats(own, seats).filter((id) => brought.has(id)))
      findings.push({
        kind: "over_seats",
        machine: null,
        seq: null,
        leaseId,
        message: `This lease began while ${seats} other lease(s) of certificate ${certificateId} were current: more than its ${seats} seat(s)`,
        key: `over_seats:${leaseId}`,
      });
  }
}

async function storeFindings(em: EntityManager, licenseId: string, findings: Finding[], now: Date) {
  if (findings.length === 0) return;
  const f = (pick: (x: Finding) => unknown) => findings.map(pick);
  await execute(
    em,
    `insert into distribution.receipt_anomalies (license_id, finding_key, kind, machine, seq, lease_id, message, detected_at)
     select $1, k, kind, m, s, l, msg, $2 from unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[],
       $8::text[]) as t(k, kind, m, s, l, msg)
     on conflict (license_id, finding_key) do nothing`,
    [
      licenseId,
      now,
      f((x) => x.key),
      f((x) => x.kind),
      f((x) => x.machine),
      f((x) => x.seq),
      f((x) => x.leaseId),
      f((x) => x.message),
    ],
  );
}
