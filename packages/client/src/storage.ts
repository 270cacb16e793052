import { createStore, del, get, set, type UseStore } from "idb-keyval";

/**
 * Where the LicenseManager keeps its state between runs (the license file, the machine file, the
 * lease, the usage queue, the times it has seen). A SQLite database in Node, IndexedDB in browsers,
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

interface LockManager {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/**
 * Browser storage: an IndexedDB database per namespace, which every tab and worker of the origin
 * shares. IndexedDB rather than localStorage: Chromium keeps a copy of localStorage in each
 * renderer and syncs them in the background, so a tab may read a value another tab already
 * replaced (two tabs then spent the same units); a committed IndexedDB transaction is seen by every
 * later one. `exclusive` holds a Web Lock named after the namespace (navigator.locks), so two tabs
 * never interleave a read-modify-write.
 */
export class IndexedDbStorage implements ClientStorage {
  readonly #name: string;
  readonly #store: UseStore;
  readonly #mutex = new Mutex();

  constructor(name = "licensing") {
    this.#name = name;
    this.#store = createStore(name, "state");
  }

  async get(key: string): Promise<string | null> {
    return (await get<string>(key, this.#store)) ?? null;
  }

  async set(key: string, value: string): Promise<void> {
    await set(key, value, this.#store);
  }

  async delete(key: string): Promise<void> {
    await del(key, this.#store);
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    if (!locks) return this.#mutex.run(work);
    return locks.request(`${this.#name}:state`, work);
  }
}
