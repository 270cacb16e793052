// What a cockpit may sign for a collector under its certificate (docs/client.md, "Fleet
// delegation"), and how it counts what it signed: seats on the leases still current, units over the
// certificate's life. Pure rules on the authority's record; FleetAuthority signs and keeps.
import type { DelegatedLease, Delegation } from "@licensing/model";
import { checkUnits } from "./checks.ts";
import { LicenseError } from "./errors.ts";
import type { AuthorityRecord, IssuedLease } from "./state.ts";

/** What a collector asks a lease for. */
export interface LeaseRequest {
  /** The collector's machine fingerprint. */
  fingerprint: string;
  /** The collector's own public key (DelegatedCollector.machineKey()): it signs its receipts. */
  collectorKey: string;
  product: string;
  executionModes: string[];
  /** Units the collector may consume under it. */
  units: number;
  /** Its life, at most the certificate's maxLeaseSeconds and not past the certificate. */
  ttlSeconds: number;
}

type Refusal = "not_delegated" | "seats_exhausted" | "units_exhausted";

/**
 * The lease `request` may have at `now`: a product and modes the certificate delegates, a life of at
 * most maxLeaseSeconds ending before the certificate, a seat while fewer than `seats` leases are
 * current (the fingerprint keeps its seat), units while the certificate's are not all granted.
 */
export function leaseWithin(
  certificate: Delegation,
  record: AuthorityRecord,
  request: LeaseRequest,
  now: Date,
): DelegatedLease {
  const refuse = (reason: Refusal, message: string): never => {
    throw new LicenseError(reason, message);
  };
  if (!certificate.products.includes(request.product))
    refuse("not_delegated", `The certificate does not delegate the product ${request.product}`);
  const mode = request.executionModes.find((m) => !certificate.executionModes.includes(m));
  if (mode !== undefined) refuse("not_delegated", `The certificate does not delegate the mode ${mode}`);
  checkUnits(request.units);
  if (!(Number.isSafeInteger(request.ttlSeconds) && request.ttlSeconds > 0))
    throw new RangeError("ttlSeconds must be a whole number > 0");
  if (request.ttlSeconds > certificate.maxLeaseSeconds)
    refuse("not_delegated", `A lease may last at most ${certificate.maxLeaseSeconds} s`);
  const issuedAt = new Date(Math.max(now.getTime(), Date.parse(certificate.issuedAt)));
  const expiresAt = new Date(issuedAt.getTime() + request.ttlSeconds * 1000);
  if (expiresAt.getTime() > Date.parse(certificate.expiresAt))
    refuse("not_delegated", `A lease may not outlive the certificate (${certificate.expiresAt})`);
  const taken = new Set(
    record.leases
      .filter((l) => Date.parse(l.expiresAt) > now.getTime() && l.fingerprint !== request.fingerprint)
      .map((l) => l.seat),
  );
  const previous = record.leases.findLast((l) => l.fingerprint === request.fingerprint);
  const seat =
    previous && !taken.has(previous.seat) && previous.seat <= certificate.seats
      ? previous.seat
      : (firstFree(taken, certificate.seats) ??
        refuse(
          "seats_exhausted",
          `All ${certificate.seats} seats of the certificate are held by current leases`,
        ));
  const left = certificate.units - record.unitsGranted;
  if (request.units > left)
    refuse("units_exhausted", `The certificate has ${left} units left to grant, ${request.units} asked`);
  return {
    certificateId: certificate.certificateId,
    collectorKey: request.collectorKey,
    executionModes: request.executionModes,
    expiresAt: expiresAt.toISOString(),
    fingerprint: request.fingerprint,
    issuedAt: issuedAt.toISOString(),
    leaseId: `dls_${crypto.randomUUID().replaceAll("-", "")}`,
    licenseId: certificate.licenseId,
    product: request.product,
    seat,
    units: request.units,
  };
}

/**
 * Counts a signed lease: its units granted, and the fingerprint's earlier leases no longer holding
 * a seat (they stay: receipts may still name them).
 */
export function recordLease(record: AuthorityRecord, lease: DelegatedLease, text: string, now: Date): void {
  record.unitsGranted += lease.units;
  releaseSeat(record, lease.fingerprint, now);
  const { leaseId, certificateId, fingerprint, collectorKey, seat, units, issuedAt, expiresAt } = lease;
  const issued: IssuedLease = {
    leaseId,
    certificateId,
    fingerprint,
    collectorKey,
    seat,
    units,
    issuedAt,
    expiresAt,
    text,
  };
  record.leases.push(issued);
}

/** Frees the seat of `fingerprint`'s leases from `now` on (for the count; the leases still verify). */
export function releaseSeat(record: AuthorityRecord, fingerprint: string, now: Date): void {
  for (const l of record.leases)
    if (l.fingerprint === fingerprint && Date.parse(l.expiresAt) > now.getTime())
      l.expiresAt = now.toISOString();
}

/** The lowest seat from 1 to `seats` not in `taken`. */
function firstFree(taken: ReadonlySet<number>, seats: number): number | undefined {
  for (let seat = 1; seat <= seats; seat++) if (!taken.has(seat)) return seat;
  return undefined;
}
