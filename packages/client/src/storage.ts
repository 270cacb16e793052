/**
 * Where the LicenseManager keeps its state between runs (the license file, the machine file, the
 * lease, the usage queue, the last execution). A file per key in Node, localStorage in browsers, or
 * your own: three methods.
 */
export interface ClientStorage {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Keeps everything in memory (tests, or products that persist state themselves). */
export class MemoryStorage implements ClientStorage {
  readonly #values = new Map<string, string>();

  async get(key: string): Promise<string | null> {
    return this.#values.get(key) ?? null;
  }

  async set(key: string, value: string): Promise<void> {
    this.#values.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.#values.delete(key);
  }
}

/** What WebStorage needs of `localStorage` (or `sessionStorage`). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Browser storage (localStorage by default), under a prefix. */
export class WebStorage implements ClientStorage {
  readonly #prefix: string;
  readonly #store: KeyValueStore;

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
}
