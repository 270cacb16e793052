import type { FleetLeasePayload } from "@licensing/contracts";
import type { ManagerContext } from "./context.ts";
import { LicenseError } from "./errors.ts";
import { verifyLease } from "./verify.ts";

/** A collector's fleet lease: acquire, renew at half its life, release, check. */
export class FleetLease {
  readonly #ctx: ManagerContext;
  #leaseTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: ManagerContext) {
    this.#ctx = ctx;
  }

  /** Acquires (or renews) a fleet seat for this collector; verifies and stores the signed lease. */
  async acquireLease(): Promise<FleetLeasePayload> {
    const { body } = await this.#ctx.api().call<{ file: string }>("POST", "/v1/leases", {
      fingerprint: await this.#ctx.fingerprint(),
      hostname: this.#ctx.platform.hostname().slice(0, 255),
    });
    const lease = verifyLease(body.file, this.#ctx.keys);
    if (lease.fingerprint !== (await this.#ctx.fingerprint()))
      throw new LicenseError("fingerprint_mismatch", "The lease is for another collector");
    await this.#ctx.state.update((s) => {
      s.lease = body.file;
      s.lastOnlineAt = this.#ctx.now().toISOString();
    });
    return lease;
  }

  /** Renews the lease at half its life until stopLeaseRenewal() or releaseLease(). */
  startLeaseRenewal(options: { onError?: (error: unknown) => void } = {}): void {
    this.stopLeaseRenewal();
    const schedule = (lease: FleetLeasePayload) => {
      const half = (Date.parse(lease.expiresAt) - this.#ctx.now().getTime()) / 2;
      this.#leaseTimer = setTimeout(
        () => {
          this.acquireLease()
            .then(schedule)
            .catch((error: unknown) => {
              options.onError?.(error);
              schedule({ ...lease, expiresAt: new Date(this.#ctx.now().getTime() + 10_000).toISOString() });
            });
        },
        Math.max(1_000, half),
      );
      (this.#leaseTimer as { unref?: () => void }).unref?.();
    };
    void this.check().then(schedule, (error: unknown) => options.onError?.(error));
  }

  stopLeaseRenewal(): void {
    clearTimeout(this.#leaseTimer);
    this.#leaseTimer = undefined;
  }

  /** Gives the seat back. */
  async releaseLease(): Promise<void> {
    this.stopLeaseRenewal();
    await this.#ctx.api().call("POST", "/v1/leases/release", { fingerprint: await this.#ctx.fingerprint() });
    await this.#ctx.state.update((s) => {
      s.lease = null;
    });
  }

  async check(): Promise<FleetLeasePayload> {
    const text = this.#ctx.state.current.lease;
    if (!text) throw new LicenseError("lease_expired", "This collector holds no fleet lease");
    const lease = verifyLease(text, this.#ctx.keys);
    if (lease.fingerprint !== (await this.#ctx.fingerprint()))
      throw new LicenseError("fingerprint_mismatch", "The lease is for another collector");
    if (Date.parse(lease.expiresAt) <= this.#ctx.now().getTime())
      throw new LicenseError("lease_expired", `The fleet lease expired at ${lease.expiresAt}`);
    return lease;
  }
}
