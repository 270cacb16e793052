import { AppError, type Lease, newId } from "@licensing/contracts";
import { execute, type Orm, query, queryOne } from "@licensing/platform";
import { type LicenseRecord, requireFingerprintAllowed, requireUsable } from "./licenses.ts";
import { type LeaseRow, toLease } from "./rows.ts";
import type { DocumentSigning } from "./signing.ts";

const leaseColumns =
  "id, license_id, fingerprint, hostname, acquired_at, renewed_at, expires_at, released_at, release_reason";

/**
 * Fleet seats: a cockpit license with `seats: N` lets at most N collectors hold a lease at once. A
 * lease is short-lived and bound to the collector's fingerprint; the collector renews it (the same
 * call), releases it, or lets it expire, which frees the seat. Acquiring locks the license row, so
 * concurrent collectors are counted one after the other.
 */
export class Leases {
  readonly #orm: Orm;
  readonly #ttlMs: number;
  readonly #now: () => Date;

  constructor(orm: Orm, ttlMs: number, now: () => Date) {
    this.#orm = orm;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** Acquires a seat for the collector, or renews the lease it holds. */
  async acquire(
    license: LicenseRecord,
    collector: { fingerprint: string; hostname: string },
    signing: DocumentSigning,
  ) {
    const now = this.#now();
    requireUsable(license, now);
    requireFingerprintAllowed(license, collector.fingerprint);
    if (license.seats === 0) throw new AppError("seats_exhausted", "This license has no fleet seats");
    const expiresAt = new Date(now.getTime() + this.#ttlMs);
    const { row, created, inUse } = await this.#orm.em.fork().transactional(async (em) => {
      await query(em, "select 1 from distribution.licenses where license_id = $1 for update", [
        license.licenseId,
      ]);
      const held = await query<LeaseRow>(
        em,
        `select ${leaseColumns} from distribution.leases where license_id = $1 and released_at is null`,
        [license.licenseId],
      );
      const live = held.filter((l) => new Date(l.expires_at).getTime() > now.getTime());
      const own = held.find((l) => l.fingerprint === collector.fingerprint);
      if (own && live.includes(own)) {
        const renewed = await queryOne<LeaseRow>(
          em,
          `update distribution.leases set renewed_at = $1, expires_at = $2,
             hostname = case when $3::text <> '' then $3 else hostname end
           where id = $4 returning ${leaseColumns}`,
          [now, expiresAt, collector.hostname, own.id],
        );
        return { row: renewed!, created: false, inUse: live.length };
      }
      if (license.seats >= 0 && live.length >= license.seats) {
        throw new AppError(
          "seats_exhausted",
          `All ${license.seats} fleet seats of this license are held; try again when a lease expires or is released`,
          { seats: license.seats },
        );
      }
      if (own) {
        await execute(
          em,
          "update distribution.leases set released_at = expires_at, release_reason = 'expired' where id = $1",
          [own.id],
        );
      }
      const inserted = await queryOne<LeaseRow>(
        em,
        `insert into distribution.leases (id, license_id, fingerprint, hostname, acquired_at, renewed_at, expires_at)
         values ($1, $2, $3, $4, $5, $5, $6) returning ${leaseColumns}`,
        [newId("lease"), license.licenseId, collector.fingerprint, collector.hostname, now, expiresAt],
      );
      return { row: inserted!, created: true, inUse: live.length + 1 };
    });
    const lease = toLease(row);
    try {
      const file = await signing.fleetLease({
        leaseId: lease.id,
        licenseId: license.licenseId,
        fingerprint: lease.fingerprint,
        hostname: lease.hostname,
        seats: license.seats,
        issuedAt: now.toISOString(),
        expiresAt: lease.expiresAt,
      });
      return { lease, file, seats: license.seats, seatsInUse: inUse };
    } catch (error) {
      // No signed lease reached the collector: give a new seat back at once.
      if (created) await this.release(license.licenseId, { id: lease.id }, "not signed");
      throw error;
    }
  }

  /** Releases a lease (by the collector's fingerprint, or by id for operators); undefined if none. */
  async release(
    licenseId: string,
    where: { fingerprint: string } | { id: string },
    reason: string,
  ): Promise<Lease | undefined> {
    const [column, value] = "id" in where ? ["id", where.id] : ["fingerprint", where.fingerprint];
    const row = await queryOne<LeaseRow>(
      this.#orm,
      `update distribution.leases set released_at = $1, release_reason = $2
       where license_id = $3 and ${column} = $4 and released_at is null returning ${leaseColumns}`,
      [this.#now(), reason, licenseId, value],
    );
    return row ? toLease(row) : undefined;
  }

  async get(licenseId: string, id: string): Promise<Lease | undefined> {
    const row = await queryOne<LeaseRow>(
      this.#orm,
      `select ${leaseColumns} from distribution.leases where license_id = $1 and id = $2`,
      [licenseId, id],
    );
    return row ? toLease(row) : undefined;
  }

  /** Leases held now. */
  async held(licenseId: string): Promise<Lease[]> {
    const rows = await query<LeaseRow>(
      this.#orm,
      `select ${leaseColumns} from distribution.leases
       where license_id = $1 and released_at is null and expires_at > $2 order by acquired_at`,
      [licenseId, this.#now()],
    );
    return rows.map(toLease);
  }

  /** Marks expired leases as such (their seats were already free); returns how many. */
  async sweep(): Promise<number> {
    return execute(
      this.#orm,
      "update distribution.leases set released_at = expires_at, release_reason = 'expired' where released_at is null and expires_at <= $1",
      [this.#now()],
    );
  }
}
