import type { ClientStorage } from "./storage.ts";

/** A usage report waiting to be sent, with the idempotency key it keeps across retries. */
export interface QueuedUsage {
  idempotencyKey: string;
  units: number;
  executionMode?: string;
  at: string;
}

/** What the LicenseManager remembers between runs. */
export interface ClientState {
  licenseFile: string | null;
  /** ETag of the license file, to ask the server for a newer one only. */
  etag: string | null;
  machineFile: string | null;
  lease: string | null;
  /** Time of the last authorized execution (to detect a clock set back). */
  lastExecutionAt: string | null;
  /** Last time the server answered (offline grace counts from it). */
  lastOnlineAt: string | null;
  /** When this state was first created (the grace of a manager that never reached the server). */
  createdAt: string;
  /** The server's balance at `balanceAt`, before the queued reports. */
  unitsConsumed: number;
  balanceAt: string | null;
  queue: QueuedUsage[];
  /** The machine's own Ed25519 key for offline activation requests (base64). */
  machineKey: { privateKey: string; publicKey: string } | null;
}

const KEY = "state";

function fresh(now: Date): ClientState {
  return {
    licenseFile: null,
    etag: null,
    machineFile: null,
    lease: null,
    lastExecutionAt: null,
    lastOnlineAt: null,
    createdAt: now.toISOString(),
    unitsConsumed: 0,
    balanceAt: null,
    queue: [],
    machineKey: null,
  };
}

/** The state, read once and written after every change (one writer at a time within a process). */
export class StateStore {
  readonly #storage: ClientStorage;
  #state: ClientState | undefined;
  #writing: Promise<void> = Promise.resolve();

  readonly #now: () => Date;

  constructor(storage: ClientStorage, now: () => Date) {
    this.#storage = storage;
    this.#now = now;
  }

  async load(now: Date = this.#now()): Promise<ClientState> {
    if (this.#state) return this.#state;
    const text = await this.#storage.get(KEY);
    let state = fresh(now);
    if (text) {
      try {
        state = { ...state, ...(JSON.parse(text) as Partial<ClientState>) };
      } catch {
        // A damaged state file: start afresh (the license file can be fetched or loaded again).
      }
    }
    this.#state = state;
    return state;
  }

  get current(): ClientState {
    if (!this.#state) throw new Error("The state is not loaded yet");
    return this.#state;
  }

  /** Applies a change and persists it. */
  async update(change: (state: ClientState) => void): Promise<void> {
    change(await this.load());
    const text = JSON.stringify(this.current);
    this.#writing = this.#writing.then(() => this.#storage.set(KEY, text));
    await this.#writing;
  }
}
