import type { BusClient } from "@licensing/bus";
import { issuer, type LicenseDigest, newId, type RequestContext, serviceActor } from "@licensing/contracts";
import { type Logger, type Orm, query, queryOne } from "@licensing/platform";
import { observeReconcileRun } from "../metrics.ts";
import { applyLicenseEvent } from "./read-model.ts";

/** What one run found and did. */
export interface ReconcileCounts {
  /** Licenses the issuer has, all compared. */
  checked: number;
  /** Missing here, or disagreeing with the issuer: fetched and applied. */
  repaired: number;
  /** Disagreeing, and the read model's rules kept what is here (a revocation is final). */
  unrepaired: number;
  /** Here, and not in the issuer: reported, never deleted. */
  unknownToIssuer: number;
}

export interface ReconcileOptions {
  /** Fetch and apply every license, agreeing or not (the rebuild); otherwise only those that drifted. */
  everyLicense?: boolean;
  pageSize?: number;
  /** Stops the run between two licenses (the service stopping); what was repaired stays repaired. */
  signal?: AbortSignal;
}

interface ReadModelDigest {
  license_id: string;
  serial: number;
  state: string;
  key_hash: string;
  legacy_key_hash: string | null;
}

/**
 * Compares distribution's read model of licenses with the issuer, its record, and repairs drift
 * (docs/distribution.md, "Reconciliation"): an event JetStream acknowledged can still be lost under
 * some faults. A license missing or disagreeing here is fetched from the issuer as its next event
 * would carry it and applied by applyLicenseEvent, so the rules (newest serial wins, a revocation is
 * final) stay in one place. One run at a time across replicas (an advisory lock).
 */
export class Reconciliation {
  readonly #orm: Orm;
  readonly #bus: BusClient;
  readonly #log: Logger;
  readonly #changed: (keyHashes: string[]) => void;

  constructor(deps: { orm: Orm; bus: BusClient; log: Logger; changed?: (keyHashes: string[]) => void }) {
    this.#orm = deps.orm;
    this.#bus = deps.bus;
    this.#log = deps.log;
    this.#changed = deps.changed ?? (() => {});
  }

  /** Runs once; undefined when another replica is running it. */
  async run(options: ReconcileOptions = {}): Promise<ReconcileCounts | undefined> {
    // The lock's transaction stays open for the run; repairs commit on their own as they go.
    return this.#orm.em.fork().transactional(async (em) => {
      const lock = await queryOne<{ ok: boolean }>(
        em,
        "select pg_try_advisory_xact_lock(hashtext('distribution reconciliation')) as ok",
      );
      if (!lock?.ok) return undefined;
      const counts = await this.#compareAll(options);
      observeReconcileRun(counts);
      this.#log.info(
        { ...counts, everyLicense: options.everyLicense ?? false },
        "licenses reconciled with the issuer",
      );
      return counts;
    });
  }

  async #compareAll(options: ReconcileOptions): Promise<ReconcileCounts> {
    const counts: ReconcileCounts = { checked: 0, repaired: 0, unrepaired: 0, unknownToIssuer: 0 };
    const ctx = { requestId: newId("request"), actor: serviceActor("distribution") };
    let after: string | undefined;
    for (;;) {
      const page = await this.#bus.request(
        issuer.licenseDigestPage,
        { ...(after ? { after } : {}), limit: options.pageSize ?? 1_000 },
        { ctx, timeoutMs: 30_000 },
      );
      const here = await this.#readModelBetween(after, page.next);
      for (const digest of page.items) {
        options.signal?.throwIfAborted();
        counts.checked++;
        const row = here.get(digest.id);
        here.delete(digest.id);
        if (!options.everyLicense && row && agrees(row, digest)) continue;
        if (await this.#repair(digest.id, ctx)) counts.repaired++;
        else if (!row || !agrees(row, digest)) {
          counts.unrepaired++;
          this.#log.warn(
            { licenseId: digest.id, here: row, issuer: digest },
            "license disagrees with the issuer, and the read model's rules keep it as it is",
          );
        }
      }
      // Never deleted: machines, usage reports and leases refer to them, and a license the issuer
      // removed (a rolled-back migration run) stays here on purpose, revoked.
      if (here.size > 0) {
        counts.unknownToIssuer += here.size;
        this.#log.warn(
          { licenseIds: [...here.keys()].slice(0, 20), count: here.size },
          "licenses in distribution's read model that the issuer does not have",
        );
      }
      if (!page.next) return counts;
      after = page.next;
    }
  }

  /** The read model's licenses in the issuer page's id range (after the last page, every one left). */
  async #readModelBetween(
    after: string | undefined,
    last: string | null,
  ): Promise<Map<string, ReadModelDigest>> {
    const rows = await query<ReadModelDigest>(
      this.#orm,
      `select license_id, serial, state, key_hash, legacy_key_hash from distribution.licenses
       where ($1::text is null or license_id > $1) and ($2::text is null or license_id <= $2)`,
      [after ?? null, last],
    );
    return new Map(rows.map((row) => [row.license_id, row]));
  }

  async #repair(licenseId: string, ctx: RequestContext) {
    const event = await this.#bus.request(
      issuer.currentLicenseEvent,
      { id: licenseId },
      { ctx, timeoutMs: 30_000 },
    );
    const changed = await this.#orm.em.fork().transactional((em) => applyLicenseEvent(em, event));
    if (changed) {
      this.#log.info(
        { licenseId, serial: event.serial, state: event.state },
        "license repaired from the issuer",
      );
      this.#changed(event.legacyKeyHash ? [event.keyHash, event.legacyKeyHash] : [event.keyHash]);
    }
    return changed;
  }
}

function agrees(row: ReadModelDigest, digest: LicenseDigest): boolean {
  return (
    row.serial === digest.serial &&
    row.state === digest.state &&
    row.key_hash === digest.keyHash &&
    (row.legacy_key_hash ?? null) === digest.legacyKeyHash
  );
}
