import type { BusClient } from "@licensing/bus";
import {
  AppError,
  documentPurposes,
  type FleetLeasePayload,
  issuer,
  type KeyRole,
  type MachineActivationPayload,
  type PublicKey,
  type SignablePurpose,
  type StatusPayload,
} from "@licensing/contracts";
import type { Delegation } from "@licensing/model";
import { type Logger, type Orm, query } from "@licensing/platform";
import { storeSigningKey } from "./read-model.ts";
import { iso, type Timestamp } from "./rows.ts";

/**
 * The documents products receive besides license files, signed by the issuer (the only holder of
 * private keys) over the bus. While the issuer is down these answer 503 service_unavailable;
 * downloads, activations and usage reports do not need it.
 */
export class DocumentSigning {
  readonly #bus: BusClient;

  constructor(bus: BusClient) {
    this.#bus = bus;
  }

  machineActivation(payload: MachineActivationPayload): Promise<string> {
    return this.#sign(documentPurposes.machineActivation, payload);
  }

  fleetLease(payload: FleetLeasePayload): Promise<string> {
    return this.#sign(documentPurposes.fleetLease, payload);
  }

  status(payload: StatusPayload): Promise<string> {
    return this.#sign(documentPurposes.status, payload);
  }

  /** A cockpit's delegation certificate (issue 19), signed with the license key like license files. */
  fleetDelegation(payload: Delegation): Promise<string> {
    return this.#sign("fleet-delegation", payload);
  }

  async #sign(purpose: Exclude<SignablePurpose, "release-index">, payload: object): Promise<string> {
    try {
      const signed = await this.#bus.request(
        issuer.signDocument,
        { purpose, payload: payload as Record<string, unknown> },
        { timeoutMs: 5_000 },
      );
      return signed.document;
    } catch (error) {
      if (error instanceof AppError && error.code === "service_unavailable") {
        throw new AppError("service_unavailable", "Signing is unavailable right now; try again shortly");
      }
      throw error;
    }
  }
}

/**
 * The issuer's public keys, served by GET /v1/keys so products can pin them. Kept in this service's
 * schema (so they are served while the issuer is down) and refreshed from the issuer at start, every
 * few minutes, and when a key rotates.
 */
export class PublicKeys {
  readonly #orm: Orm;
  readonly #bus: BusClient;
  readonly #log: Logger;
  #keys: PublicKey[] = [];
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(orm: Orm, bus: BusClient, log: Logger) {
    this.#orm = orm;
    this.#bus = bus;
    this.#log = log;
  }

  list(): PublicKey[] {
    return this.#keys;
  }

  /** Asks the issuer for its keys and stores them; without the issuer, keeps what is stored. */
  async refresh(): Promise<boolean> {
    let refreshed = false;
    try {
      const { items } = await this.#bus.request(issuer.listSigningKeys, {}, { timeoutMs: 5_000 });
      await this.#orm.em.fork().transactional(async (em) => {
        for (const key of items) await storeSigningKey(em, key);
      });
      refreshed = true;
    } catch (error) {
      this.#log.warn(
        { err: error },
        "could not refresh the public keys from the issuer; serving the stored ones",
      );
    }
    await this.load();
    return refreshed;
  }

  async load(): Promise<void> {
    const rows = await query<{
      key_id: string;
      role: KeyRole;
      public_key: string;
      status: "active" | "retired";
      created_at: Timestamp;
    }>(
      this.#orm,
      "select key_id, role, public_key, status, created_at from distribution.signing_keys order by created_at desc",
    );
    this.#keys = rows.map((r) => ({
      keyId: r.key_id,
      role: r.role,
      publicKey: r.public_key,
      status: r.status,
      createdAt: iso(r.created_at),
    }));
  }

  async start(): Promise<void> {
    this.#stopped = false;
    // The issuer may start after this service (npm start runs them together): until it has answered
    // once, ask again every few seconds; then every five minutes.
    const next = (ok: boolean) => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => void this.refresh().then(next), ok ? 5 * 60_000 : 3_000);
      this.#timer.unref();
    };
    next(await this.refresh());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
