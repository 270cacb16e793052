/**
 * Where the LicenseManager keeps its state between runs (the license file, the machine file, the
 * lease, the usage queue, the times it has seen). A file per key in Node, localStorage in browsers,
 * or your own: three methods, and optionally a fourth that makes read-modify-write safe across
 * processes (without it, only managers of this process sharing the storage object are ordered).
 */
export interface ClientStorage {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Runs `work` while no other process (or manager) runs work on the same storage. */
  exclusive?<T>(work: () => Promise<T>): Promise<T>;
}

/** Runs tasks one after the other, in the order they came (one process's share of a lock). */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/** Keeps everything in memory (tests, or products that persist state themselves). */
export class MemoryStorage implements ClientStorage {
  readonly #values = new Map<string, string>();
  readonly #mutex = new Mutex();

  async get(key: string): Promise<string | null> {
    return this.#values.get(key) ?? null;
  }

  async set(key: string, value: string): Promise<void> {
    this.#values.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.#values.delete(key);
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#mutex.run(work);
  }
}

/** What WebStorage needs of `localStorage` (or `sessionStorage`). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

interface LockManager {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/**
 * Browser storage (localStorage by default), under a prefix. Tabs and workers of one origin share
 * it; `exclusive` holds a Web Lock named after the prefix (navigator.locks), so two tabs never
 * interleave a read-modify-write (each setItem is atomic).
 */
export class WebStorage implements ClientStorage {
  readonly #prefix: string;
  readonly #store: KeyValueStore;
  readonly #mutex = new Mutex();

  constructor(
    prefix = "licensing:",
    store: KeyValueStore = (globalThis as { localStorage?: KeyValueStore }).localStorage!,
  ) {
    this.#prefix = prefix;
    this.#store = store;
  }

  async get(key: string): Promise<string | null> {
    return this.#store.getItem(this.#prefix + key);
  }

  async set(key: string, value: string): Promise<void> {
    this.#store.setItem(this.#prefix + key, value);
  }

  async delete(key: string): Promise<void> {
    this.#store.removeItem(this.#prefix + key);
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    if (!locks) return this.#mutex.run(work);
    return locks.request(`${this.#prefix}state`, work);
  }
}
