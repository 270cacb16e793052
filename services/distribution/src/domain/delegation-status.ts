import {
  AppError,
  type CockpitReportPage,
  type DelegationCollectorsPage,
  type DelegationStatus,
  type delegation,
  idOf,
  type RequestOf,
  STATUS_COLLECTORS,
} from "@licensing/contracts";
import { type Orm, Params, query, queryOne } from "@licensing/platform";
import { type DelegationRow, delegationColumns, toCertificateSummary } from "./delegations.ts";
import { iso, isoOrNull, type Timestamp } from "./rows.ts";

/**
 * Whether a collector's chain `c` holds a seat now, as last reported: its last receipt fell within
 * its lease `l` (joined on the chain's lease).
 */
const holdsSeat = "coalesce(c.last_receipt_at >= l.issued_at and c.last_receipt_at < l.expires_at, false)";

/** The license's row in this service, or `not_found`: a license the catalog never sent here. */
async function requireLicense(orm: Orm, licenseId: string): Promise<void> {
  const license = await queryOne(orm, "select 1 from distribution.licenses where license_id = $1", [
    licenseId,
  ]);
  if (!license)
    throw new AppError("not_found", `License ${licenseId} has not reached the distribution service`);
}

/**
 * What operators see of a cockpit license's delegation (`distribution.delegation.status`). The
 * figures are summed in SQL over every chain of the license, so a fleet of thousands of collectors
 * costs one aggregate, not an answer listing them all: only the first page is listed
 * (`delegationCollectors` pages through the rest).
 */
export async function delegationStatus(orm: Orm, licenseId: string): Promise<DelegationStatus> {
  await requireLicense(orm, licenseId);
  const [certificates, figures, firstPage, anomalies] = await Promise.all([
    query<DelegationRow>(
      orm,
      `select ${delegationColumns} from distribution.delegations where license_id = $1 order by serial`,
      [licenseId],
    ),
    queryOne<{ collectors: string; seats: string; receipts: string; units: string }>(
      orm,
      `select count(*) filter (where c.receipts > 0) as collectors, count(*) filter (where ${holdsSeat}) as seats,
         coalesce(sum(c.receipts), 0) as receipts, coalesce(sum(c.units), 0) as units
       from distribution.receipt_chains c
       left join distribution.delegated_leases l on l.license_id = c.license_id and l.lease_id = c.lease_id
       where c.license_id = $1`,
      [licenseId],
    ),
    collectorPage(orm, { licenseId, limit: STATUS_COLLECTORS }),
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
    // An aggregate without a group answers one row, even over no chain.
    seatsInUse: Number(figures?.seats ?? 0),
    collectors: firstPage.items,
    collectorCount: Number(figures?.collectors ?? 0),
    receipts: Number(figures?.receipts ?? 0),
    units: Number(figures?.units ?? 0),
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

/**
 * A license's collectors (`distribution.delegation.collectors`): keyset pages by machine key id, on
 * the index by (license_id, machine_key_id), optionally only those holding (or not holding) a seat.
 */
export async function delegationCollectors(
  orm: Orm,
  request: RequestOf<typeof delegation.collectors>,
): Promise<DelegationCollectorsPage> {
  const after =
    request.cursor === undefined
      ? null
      : decodeIdCursor(
          request.cursor,
          (id) => MACHINE_KEY_ID.test(id) && encodeIdCursor(id) === request.cursor,
        );
  await requireLicense(orm, request.licenseId);
  return collectorPage(orm, { ...request, after });
}

/** A page of a known license's collectors after machine `after` (none: from the first). */
async function collectorPage(
  orm: Orm,
  request: { licenseId: string; limit: number; holdingSeat?: boolean | undefined; after?: string | null },
): Promise<DelegationCollectorsPage> {
  const after = request.after ?? null;
  const params = new Params();
  const filters = [`c.license_id = ${params.add(request.licenseId)}`];
  if (after !== null) filters.push(`c.machine_key_id > ${params.add(after)}`);
  if (request.holdingSeat !== undefined) filters.push(`${holdsSeat} = ${params.add(request.holdingSeat)}`);
  const rows = await query<{
    machine_key_id: string;
    fingerprint: string | null;
    lease_id: string | null;
    receipts: string;
    units: string;
    last_receipt_at: Timestamp | null;
    holding: boolean;
  }>(
    orm,
    `select c.machine_key_id, c.fingerprint, c.lease_id, c.receipts, c.units, c.last_receipt_at,
       ${holdsSeat} as holding
     from distribution.receipt_chains c
     left join distribution.delegated_leases l on l.license_id = c.license_id and l.lease_id = c.lease_id
     where ${filters.join(" and ")}
     order by c.machine_key_id limit ${params.add(request.limit + 1)}`,
    params.values,
  );
  const page = rows.slice(0, request.limit);
  const last = page.at(-1);
  return {
    items: page.map((c) => ({
      machine: c.machine_key_id,
      fingerprint: c.fingerprint,
      leaseId: c.lease_id,
      holdingSeat: c.holding,
      receipts: Number(c.receipts),
      units: Number(c.units),
      lastReceiptAt: isoOrNull(c.last_receipt_at),
    })),
    nextCursor: rows.length > request.limit && last ? encodeIdCursor(last.machine_key_id) : null,
  };
}

/** A machine key id as `authorityKeyId` (@licensing/model) makes it: `fa-` and 32 hex digits. */
const MACHINE_KEY_ID = /^fa-[0-9a-f]{32}$/;

/** A keyset cursor over one id: the page's last id, base64url. */
function encodeIdCursor(id: string): string {
  return Buffer.from(id).toString("base64url");
}

/** The id a cursor holds, when `valid` accepts it; else 400 naming `cursor`. */
function decodeIdCursor(cursor: string, valid: (id: string) => boolean): string {
  const id = Buffer.from(cursor, "base64url").toString();
  if (valid(id)) return id;
  throw AppError.validation([{ path: "cursor", message: "is not a cursor from an earlier page" }]);
}

interface CockpitRow {
  license_id: string;
  account_id: string;
  product: string;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  seats: string;
  collectors: string;
  receipts: string;
  units: string;
  anomalies: string;
}

/**
 * The usage report's cockpit section (`distribution.delegation.report`): every license holding a
 * certificate issued before the range's end, with its newest certificate, the seats held now, and
 * the receipts received and anomalies detected in the range; keyset pages by license id.
 */
export async function cockpitReport(
  orm: Orm,
  request: RequestOf<typeof delegation.report>,
): Promise<CockpitReportPage> {
  const params = new Params();
  const from = params.add(new Date(request.from));
  const to = params.add(new Date(request.to));
  const filters = [
    `exists (select 1 from distribution.delegations d where d.license_id = x.license_id and d.issued_at < ${to})`,
  ];
  if (request.accountId) filters.push(`x.account_id = ${params.add(request.accountId)}`);
  if (request.product) filters.push(`x.products[1] = ${params.add(request.product)}`);
  if (request.cursor)
    filters.push(
      `x.license_id > ${params.add(decodeIdCursor(request.cursor, (id) => idOf("license").safeParse(id).success))}`,
    );
  const rows = await query<CockpitRow>(
    orm,
    `select x.license_id, x.account_id, x.products[1] as product, cert.expires_at, cert.revoked_at,
       (select count(*) from distribution.receipt_chains c
          left join distribution.delegated_leases l on l.license_id = c.license_id and l.lease_id = c.lease_id
          where c.license_id = x.license_id and ${holdsSeat}) as seats,
       fleet.collectors, fleet.receipts, fleet.units,
       (select count(*) from distribution.receipt_anomalies a
          where a.license_id = x.license_id and a.detected_at >= ${from} and a.detected_at < ${to}) as anomalies
     from distribution.licenses x
     join lateral (select expires_at, revoked_at from distribution.delegations d
       where d.license_id = x.license_id order by serial desc limit 1) cert on true
     left join lateral (select count(distinct r.machine_key_id) as collectors, count(r.seq) as receipts,
         coalesce(sum(r.units), 0) as units
       from distribution.receipt_chains c join distribution.receipts r on r.machine_key_id = c.machine_key_id
       where c.license_id = x.license_id and r.received_at >= ${from} and r.received_at < ${to}) fleet on true
     where ${filters.join(" and ")}
     order by x.license_id limit ${params.add(request.limit + 1)}`,
    params.values,
  );
  const page = rows.slice(0, request.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      licenseId: r.license_id,
      accountId: r.account_id,
      product: r.product,
      certificateExpiresAt: iso(r.expires_at),
      certificateRevokedAt: isoOrNull(r.revoked_at),
      seatsInUse: Number(r.seats),
      collectors: Number(r.collectors),
      receipts: Number(r.receipts),
      units: Number(r.units),
      anomalies: Number(r.anomalies),
    })),
    nextCursor: rows.length > request.limit && last ? encodeIdCursor(last.license_id) : null,
  };
}
