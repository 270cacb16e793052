import type { FleetLeasePayload } from "@licensing/contracts";
import type { License } from "@licensing/model";
import { observeTime } from "./clock.ts";
import { isFresh, type ManagerContext } from "./context.ts";
import { LicenseError } from "./errors.ts";
import { type ClientState, documents, type LeaseRecord } from "./state.ts";
import { verifyLease } from "./verify.ts";

/**
 * A collector's fleet lease: acquire, renew at half its life, release, check. A lease counts only
 * for the license it was signed for, and for this collector, until it expires.
 */
export class FleetLease {
  readonly #ctx: ManagerContext;
  #leaseTimer: ReturnType<typeof setTimeout> | undefined;
  /** The lease verified in this process. */
  #verified: FleetLeasePayload | undefined;

  constructor(ctx: ManagerContext) {
    this.#ctx = ctx;
  }

  /** Acquires (or renews) a fleet seat for this collector; verifies and stores the signed lease. */
  async acquireLease(): Promise<FleetLeasePayload> {
    const fingerprint = await this.#ctx.fingerprint();
    const { body } = await this.#ctx.api().call<{ file: string }>("POST", "/v1/leases", {
      fingerprint,
      hostname: this.#ctx.platform.hostname().slice(0, 255),
    });
    const lease = verifyLease(body.file, this.#ctx.keys);
    if (lease.fingerprint !== fingerprint)
      throw new LicenseError("fingerprint_mismatch", "The lease is for another collector");
    const license = this.#ctx.license();
    if (license && lease.licenseId !== license.id)
      throw new LicenseError("lease_expired", "The lease is for another license");
    const fresh = isFresh(this.#ctx, lease.issuedAt);
    await this.#ctx.state.update(async (s) => {
      await this.#ctx.state.setDocument(documents.lease, body.file);
      s.lease = recordOf(lease);
      observeTime(s, lease.issuedAt);
      if (fresh) s.lastOnlineAt = this.#ctx.now().toISOString();
    });
    this.#verified = lease;
    return lease;
  }

  /** Renews the lease at half its life until stopLeaseRenewal() or releaseLease(). */
  startLeaseRenewal(options: { onError?: (error: unknown) => void } = {}): void {
    this.stopLeaseRenewal();
    const schedule = (expiresAt: string) => {
      const half = (Date.parse(expiresAt) - this.#ctx.now().getTime()) / 2;
      this.#leaseTimer = setTimeout(
        () => {
          this.acquireLease()
            .then((lease) => schedule(lease.expiresAt))
            .catch((error: unknown) => {
              options.onError?.(error);
              schedule(new Date(this.#ctx.now().getTime() + 10_000).toISOString());
            });
        },
        Math.max(1_000, half),
      );
      (this.#leaseTimer as { unref?: () => void }).unref?.();
    };
    void this.#ctx.state.read().then(
      (s) => {
        if (!s.lease) throw new LicenseError("lease_expired", "This collector holds no fleet lease");
        schedule(s.lease.expiresAt);
      },
      (error: unknown) => options.onError?.(error),
    );
  }

  stopLeaseRenewal(): void {
    clearTimeout(this.#leaseTimer);
    this.#leaseTimer = undefined;
  }

  /** Gives the seat back. */
  async releaseLease(): Promise<void> {
    this.stopLeaseRenewal();
    await this.#ctx.api().call("POST", "/v1/leases/release", { fingerprint: await this.#ctx.fingerprint() });
    await this.#ctx.state.update(async (s) => {
      s.lease = null;
      await this.#ctx.state.deleteDocument(documents.lease);
    });
  }

  /** Refuses unless this collector holds a lease of `license` that has not expired at `now`. */
  async check(state: ClientState, license: License, fingerprint: string, now: Date): Promise<void> {
    const held = state.lease;
    if (!held) throw new LicenseError("lease_expired", "This collector holds no fleet lease");
    if (held.licenseId !== license.id)
      throw new LicenseError("lease_expired", "The fleet lease is for another license");
    if (held.fingerprint !== fingerprint)
      throw new LicenseError("fingerprint_mismatch", "The lease is for another collector");
    if (Date.parse(held.expiresAt) <= now.getTime())
      throw new LicenseError("lease_expired", `The fleet lease expired at ${held.expiresAt}`);
    await this.#verifiedLease(held);
  }

  async #verifiedLease(held: LeaseRecord): Promise<void> {
    const known = this.#verified;
    if (known && known.leaseId === held.leaseId && known.issuedAt === held.issuedAt) return;
    const text = await this.#ctx.state.getDocument(documents.lease);
    const lease = text ? verifyLease(text, this.#ctx.keys) : undefined;
    if (!lease || lease.leaseId !== held.leaseId || lease.issuedAt !== held.issuedAt)
      throw new LicenseError("lease_expired", "This collector's fleet lease is missing; acquire it again");
    this.#verified = lease;
  }
}

function recordOf(lease: FleetLeasePayload): LeaseRecord {
  return {
    leaseId: lease.leaseId,
    licenseId: lease.licenseId,
    fingerprint: lease.fingerprint,
    issuedAt: lease.issuedAt,
    expiresAt: lease.expiresAt,
  };
}
