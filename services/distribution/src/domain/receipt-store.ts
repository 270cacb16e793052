// What a receipts upload writes, inside its one transaction (receipts.ts): the leases it brought,
// the receipts accepted and their units, the findings across receipts (units past a lease, seats
// past a certificate's), and every finding, each once.
import type { OpenedReceipt } from "@licensing/model";
import { type EntityManager, execute, query } from "@licensing/platform";
import type { LicenseRecord } from "./licenses.ts";
import { type Finding, overSeats } from "./receipt-chain.ts";
import type { VerifiedLease } from "./receipt-leases.ts";
import type { Timestamp } from "./rows.ts";

/** A receipt accepted, with the log it came in and the fingerprint of the machine that signed it. */
export interface AcceptedReceipt {
  log: { machine: string };
  opened: OpenedReceipt;
  fingerprint: string | null;
}

/** Stores the leases not seen before; a lease id reused for another lease is a finding. */
export async function storeLeases(
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

/** The accepted receipts, their usage reports and the license's balance, in three statements. */
export async function countUnits(
  em: EntityManager,
  license: LicenseRecord,
  accepted: AcceptedReceipt[],
  now: Date,
): Promise<number> {
  if (accepted.length === 0) return 0;
  const r = (pick: (a: (typeof accepted)[number]) => unknown) => accepted.map(pick);
  await execute(
    em,
    `insert into distribution.receipts (received_at, machine_key_id, seq, hash, at, units, lease_id, product, mode)
     select $1, * from unnest($2::text[], $3::bigint[], $4::text[], $5::timestamptz[], $6::bigint[], $7::text[],
       $8::text[], $9::text[])`,
    [
      now,
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
  // Each receipt is one execution in the operators' usage reports, keyed so it is never counted twice;
  // its key is kept as report_usage's are, so a POST /v1/usage under the same key finds it.
  await execute(
    em,
    `insert into distribution.usage_report_keys (license_id, idempotency_key, units, reported_at)
     select $1, k, u, (select distribution.usage_report_time($2)) from unnest($3::text[], $4::bigint[]) as t(k, u)
     on conflict (license_id, idempotency_key) do nothing`,
    [
      license.licenseId,
      now,
      r((a) => `receipt:${a.log.machine}:${a.opened.receipt.seq}`),
      r((a) => a.opened.receipt.units),
    ],
  );
  await execute(
    em,
    `insert into distribution.usage_reports (license_id, idempotency_key, units, account_id, product,
       fingerprint, execution_mode, executed_at, reported_at)
     select $1, k, u, $2, p, f, m, a, (select distribution.usage_report_time($3)) from unnest($4::text[], $5::bigint[], $6::text[], $7::text[],
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
export async function checkLeases(
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
    collector_key_id: string;
    issued_at: Timestamp;
    expires_at: Timestamp;
  }>(
    em,
    `select certificate_id, lease_id, collector_key_id, issued_at, expires_at from distribution.delegated_leases
     where license_id = $1 and certificate_id = any($2::text[])`,
    [licenseId, [...seatsOf.keys()]],
  );
  for (const [certificateId, seats] of seatsOf) {
    const own = held
      .filter((row) => row.certificate_id === certificateId)
      .map((row) => ({
        leaseId: row.lease_id,
        holder: row.collector_key_id,
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
        message: `This lease began while ${seats} other collector(s) held a current lease of certificate ${certificateId}: more than its ${seats} seat(s)`,
        key: `over_seats:${leaseId}`,
      });
  }
}

export async function storeFindings(em: EntityManager, licenseId: string, findings: Finding[], now: Date) {
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
