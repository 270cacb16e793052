import { LicenseError } from "./errors.ts";
import { type StateMac, seal, unseal } from "./state-seal.ts";
import { type ClientStorage, Mutex } from "./storage.ts";

/** A usage report waiting to be sent, with the idempotency key it keeps across retries. */
export interface QueuedUsage {
  idempotencyKey: string;
  units: number;
  executionMode?: string;
  at: string;
}

/** A refusal of the license itself the server gave: final on this machine until a signed status. */
export interface Standing {
  reason: "suspended" | "revoked";
  /** The license it was given for (null: not known when learned). */
  licenseId: string | null;
  at: string;
  message: string;
}

/** The newest machine-bound file this machine holds (the signed file itself is kept beside). */
export interface MachineRecord {
  activationId: string;
  licenseId: string;
  fingerprint: string;
  offline: boolean;
  issuedAt: string;
  expiresAt: string;
  /** Set once the activation ended (deactivated, released): final until a newer machine file. */
  endedAt: string | null;
  endReason: string | null;
}

/** The fleet lease this collector holds (the signed lease itself is kept beside). */
export interface LeaseRecord {
  leaseId: string;
  licenseId: string;
  fingerprint: string;
  issuedAt: string;
  expiresAt: string;
}

/** Where a per-machine receipt log stands (its receipts are kept beside, one signed receipt a line). */
export interface LogHead {
  /** The storage key of its receipts. */
  document: string;
  /** The position the next receipt takes. */
  next: number;
  /** The hash of the receipt at `next - 1` (GENESIS_HASH when empty). */
  hash: string;
  /** The first position still kept (those before were acknowledged and forgotten). */
  from: number;
}

/** A delegated lease this cockpit signed (its text kept for the receipts uploads that name it). */
export interface IssuedLease {
  leaseId: string;
  certificateId: string;
  fingerprint: string;
  collectorKey: string;
  seat: number;
  units: number;
  issuedAt: string;
  expiresAt: string;
  text: string;
}

/** A cockpit's delegation (fleet-authority.ts); its certificate is kept beside. */
export interface AuthorityRecord {
  certificateId: string;
  serial: number;
  /** Authority key ids revoked, from the newest certificate. */
  revoked: string[];
  /** Units its leases and its own executions took under the current certificate. */
  unitsGranted: number;
  leases: IssuedLease[];
  /** Its own executions' log (signed by the authority key). */
  own: LogHead | null;
  /** The collectors' logs it collected, by machine key (base64). */
  collected: Record<string, LogHead>;
}

/** A collector's delegated lease (delegated-collector.ts); the lease and its certificate are kept beside. */
export interface DelegatedRecord {
  leaseId: string;
  issuedAt: string;
  expiresAt: string;
  units: number;
  unitsUsed: number;
  /** Authority key ids revoked, from the newest certificate it accepted (the latest issuedAt). */
  revoked: string[];
  /** The issuedAt of that certificate. */
  revokedFrom: string;
  log: LogHead | null;
}

/** What the LicenseManager remembers between runs, authenticated (state-seal.ts). */
export interface ClientState {
  version: 1;
  createdAt: string;
  /**
   * The highest time seen: local runs and validations, the server's signed times. Every decision
   * uses it (never the clock alone); only a signed status answer may lower it, to the server's time.
   */
  highestTime: string | null;
  lastExecutionAt: string | null;
  /** When the server last answered with a fresh signed document; the offline grace counts from it. */
  lastOnlineAt: string | null;
  /** The server's balance as last known (never lowered by an answer), before the queued reports. */
  unitsConsumed: number;
  balanceAt: string | null;
  queue: QueuedUsage[];
  standing: Standing | null;
  machine: MachineRecord | null;
  lease: LeaseRecord | null;
  /** A cockpit's delegation (absent in states written before it existed). */
  authority?: AuthorityRecord | null;
  /** A collector's delegated lease. */
  delegated?: DelegatedRecord | null;
  /** When a damaged or foreign state was found and set aside (it grants nothing). */
  damagedAt: string | null;
}

/** Signed documents kept beside the state (each verifiable on its own), by storage key. */
export const documents = {
  license: "license",
  machineFile: "machine-file",
  lease: "lease",
  machineKey: "machine-key",
  authorityKey: "authority-key",
  /** A cockpit's certificate. */
  delegation: "delegation",
  /** A collector's delegated lease and the certificate it came with. */
  delegatedLease: "delegated-lease",
  leaseCertificate: "lease-certificate",
} as const;

/** The storage key of the receipts of the machine whose key id is `keyId`. */
export const receiptsDocument = (keyId: string): string => `receipts-${keyId}`;

const STATE = "state";
const DAMAGED = "state-damaged";

/** Every key the state and its documents are stored under. */
export const storageKeys: readonly string[] = [STATE, DAMAGED, ...Object.values(documents)];

function fresh(now: Date): ClientState {
  return {
    version: 1,
    createdAt: now.toISOString(),
    highestTime: null,
    lastExecutionAt: null,
    lastOnlineAt: null,
    unitsConsumed: 0,
    balanceAt: null,
    queue: [],
    standing: null,
    machine: null,
    lease: null,
    damagedAt: null,
  };
}

/** Each queued report's line, made once (a report never changes once queued). */
const lines = new WeakMap<QueuedUsage, string>();

function lineOf(report: QueuedUsage): string {
  let line = lines.get(report);
  if (line === undefined) {
    line = JSON.stringify(report);
    lines.set(report, line);
  }
  return line;
}

/** The state as text: a line of everything but the queue, then one line per queued report. */
function serialize(state: ClientState): string {
  const { queue, ...rest } = state;
  return [JSON.stringify(rest), ...queue.map(lineOf)].join("\n");
}

function parse(text: string): ClientState {
  const [head, ...rest] = text.split("\n");
  const state = JSON.parse(head!) as ClientState;
  if (state.version !== 1) throw new Error("not a version 1 state");
  state.queue = rest.map((line) => {
    const report = JSON.parse(line) as QueuedUsage;
    lines.set(report, line);
    return report;
  });
  return state;
}

function isReport(value: unknown): value is QueuedUsage {
  const q = value as Partial<QueuedUsage> | null;
  return (
    typeof q?.idempotencyKey === "string" &&
    Number.isSafeInteger(q.units) &&
    (q.units as number) >= 0 &&
    typeof q.at === "string" &&
    (q.executionMode === undefined || typeof q.executionMode === "string")
  );
}

/**
 * A fresh state that keeps, from a damaged one, only what restricts: the reports it still queues
 * (they charge the license; a truncated file loses its last line at most), the highest time, a
 * remembered refusal, the balance. Nothing that grants (the grace, an activation, a lease) is kept.
 */
function salvage(text: string, now: Date): ClientState {
  const state = fresh(now);
  state.damagedAt = now.toISOString();
  const [, head, ...lines] = text.split("\n");
  try {
    const old = JSON.parse(head ?? "") as Partial<ClientState>;
    if (typeof old.highestTime === "string" && Number.isFinite(Date.parse(old.highestTime)))
      state.highestTime = new Date(Date.parse(old.highestTime)).toISOString();
    if (old.standing?.reason === "suspended" || old.standing?.reason === "revoked")
      state.standing = { ...old.standing, message: String(old.standing.message) };
    if (Number.isSafeInteger(old.unitsConsumed) && (old.unitsConsumed as number) > 0)
      state.unitsConsumed = old.unitsConsumed as number;
  } catch {
    // nothing to keep from the first line
  }
  const seen = new Set<string>();
  for (const line of lines) {
    try {
      const report = JSON.parse(line) as unknown;
      if (isReport(report) && !seen.has(report.idempotencyKey)) {
        seen.add(report.idempotencyKey);
        state.queue.push({
          idempotencyKey: report.idempotencyKey,
          units: report.units,
          at: report.at,
          ...(report.executionMode === undefined ? {} : { executionMode: report.executionMode }),
        });
      }
    } catch {
      // a cut or edited line
    }
  }
  return state;
}

const fallbackMutexes = new WeakMap<ClientStorage, Mutex>();

/**
 * The state, read afresh for every decision (another process may have changed it) and changed only
 * inside the storage's exclusive section: read, change, seal, write. A state that does not verify
 * (edited, truncated, copied from another machine) is kept aside and replaced by a fresh one that
 * keeps only what restricts (salvage above): it grants nothing a fresh install would not.
 */
export class StateStore {
  readonly #storage: ClientStorage;
  readonly #key: () => Promise<StateMac>;
  readonly #now: () => Date;
  #current: ClientState | undefined;
  /** The sealed text last read or written, and its state: the same text again needs no checking. */
  #known: { text: string; json: string; state: ClientState } | undefined;

  constructor(storage: ClientStorage, key: () => Promise<StateMac>, now: () => Date) {
    this.#storage = storage;
    this.#key = key;
    this.#now = now;
  }

  /** The state as last read or written by this manager. */
  get current(): ClientState {
    if (!this.#current) throw new Error("The state is not loaded yet");
    return this.#current;
  }

  /** Reads the state afresh. */
  async read(): Promise<ClientState> {
    const { state } = await this.#read();
    this.#current = state;
    return state;
  }

  /**
   * Runs `change` on the freshest state while no other process or manager changes it, and writes
   * the result when it differs. Returns what `change` returns; if it throws, nothing is written.
   */
  update<T>(change: (state: ClientState) => T | Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      try {
        const { state, json, damaged } = await this.#read();
        if (damaged !== undefined) await this.#storage.set(DAMAGED, damaged);
        const result = await change(state);
        const after = serialize(state);
        if (after !== json) {
          const text = await seal(await this.#key(), after);
          await this.#storage.set(STATE, text);
          this.#known = { text, json: after, state };
        }
        this.#current = state;
        return result;
      } catch (error) {
        // The state object may be half changed: read it afresh next time.
        this.#known = undefined;
        throw error;
      }
    });
  }

  /**
   * update() for a decision: a LicenseError `change` throws is thrown once the state is written, so
   * a refusal keeps what the decision recorded (the time it saw: a refused call still moves the
   * highest time, and a clock set back later is measured from it).
   */
  async decide<T>(change: (state: ClientState) => T | Promise<T>): Promise<T> {
    const outcome = await this.update(async (s): Promise<{ value: T } | { refusal: LicenseError }> => {
      try {
        return { value: await change(s) };
      } catch (error) {
        if (error instanceof LicenseError) return { refusal: error };
        throw error;
      }
    });
    if ("refusal" in outcome) throw outcome.refusal;
    return outcome.value;
  }

  getDocument(name: string): Promise<string | null> {
    return this.#storage.get(name);
  }

  setDocument(name: string, text: string): Promise<void> {
    return this.#storage.set(name, text);
  }

  deleteDocument(name: string): Promise<void> {
    return this.#storage.delete(name);
  }

  async #read(): Promise<{ state: ClientState; json: string | undefined; damaged?: string }> {
    const text = await this.#storage.get(STATE);
    if (text === null) return { state: fresh(this.#now()), json: undefined };
    if (text === this.#known?.text) return { state: this.#known.state, json: this.#known.json };
    const json = await unseal(await this.#key(), text);
    if (json !== undefined) {
      try {
        const state = parse(json);
        this.#known = { text, json, state };
        return { state, json };
      } catch {
        // sealed by this key but not a state this version reads: damaged
      }
    }
    return { state: salvage(text, this.#now()), json: undefined, damaged: text };
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.#storage.exclusive) return this.#storage.exclusive(work);
    let mutex = fallbackMutexes.get(this.#storage);
    if (!mutex) {
      mutex = new Mutex();
      fallbackMutexes.set(this.#storage, mutex);
    }
    return mutex.run(work);
  }
}
