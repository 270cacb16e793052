import { AppError, type DelegationStatus } from "@licensing/contracts";
import { type Orm, query, queryOne } from "@licensing/platform";
import { type DelegationRow, delegationColumns, toCertificateSummary } from "./delegations.ts";
import { iso, isoOrNull, type Timestamp } from "./rows.ts";

/** What operators see of a cockpit license's delegation (`distribution.delegation.status`). */
export async function delegationStatus(orm: Orm, licenseId: string): Promise<DelegationStatus> {
  const license = await queryOne(orm, "select 1 from distribution.licenses where license_id = $1", [
    licenseId,
  ]);
  if (!license)
    throw new AppError("not_found", `License ${licenseId} has not reached the distribution service`);
  const [certificates, collectors, anomalies] = await Promise.all([
    query<DelegationRow>(
      orm,
      `select ${delegationColumns} from distribution.delegations where license_id = $1 order by serial`,
      [licenseId],
    ),
    query<{
      machine_key_id: string;
      fingerprint: string | null;
      lease_id: string | null;
      receipts: string;
      units: string;
      last_receipt_at: Timestamp | null;
      current: boolean;
    }>(
      orm,
      `select c.machine_key_id, c.fingerprint, c.lease_id, c.receipts, c.units, c.last_receipt_at,
         coalesce(c.last_receipt_at >= l.issued_at and c.last_receipt_at < l.expires_at, false) as current
       from distribution.receipt_chains c
       left join distribution.delegated_leases l on l.license_id = c.license_id and l.lease_id = c.lease_id
       where c.license_id = $1 order by c.machine_key_id`,
      [licenseId],
    ),
    query<{
      kind: DelegationStatus["anomalies"][number]["kind"];
      machine: string | null;
      seq: string | null;
      lease_id: string | null;
      message: string;
      detected_at: Timestamp;
    }>(
      orm,
      `select kind, machine, seq, lease_id, message, detected_at from distribution.receipt_anomalies
       where license_id = $1 order by detected_at desc, finding_key limit 100`,
      [licenseId],
    ),
  ]);
  return {
    licenseId,
    certificates: certificates.map(toCertificateSummary),
    seatsInUse: collectors.filter((c) => c.current).length,
    collectors: collectors.map((c) => ({
      machine: c.machine_key_id,
      fingerprint: c.fingerprint,
      leaseId: c.lease_id,
      receipts: Number(c.receipts),
      units: Number(c.units),
      lastReceiptAt: isoOrNull(c.last_receipt_at),
    })),
    receipts: collectors.reduce((n, c) => n + Number(c.receipts), 0),
    units: collectors.reduce((n, c) => n + Number(c.units), 0),
    anomalies: anomalies.map((a) => ({
      kind: a.kind,
      machine: a.machine,
      seq: a.seq === null ? null : Number(a.seq),
      leaseId: a.lease_id,
      message: a.message,
      detectedAt: iso(a.detected_at),
    })),
  };
}
