// Node: state in a SQLite database in the state folder (`state.sqlite`, node:sqlite), safe across
// processes and crashes. WAL journal, synchronous=FULL: a change is on disk when its transaction
// commits (one fsync of the WAL), and a crash leaves the last committed state, never a torn one.
// `exclusive` is a BEGIN IMMEDIATE transaction: the database's write lock orders processes (the OS
// drops it when its holder dies, so nothing is ever stale), busy_timeout makes them wait rather than
// fail. In one process, every storage of a folder shares one connection, and a queue orders the
// managers on it (two of them must never interleave inside one transaction).
import { AsyncLocalStorage } from "node:async_hooks";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { storageKeys } from "./state.ts";
import { type ClientStorage, Mutex } from "./storage.ts";
import { linesTable, StoredLines } from "./stored-lines.ts";

export interface FileStorageOptions {
  /** fsync each commit (synchronous=FULL, the default). Only benchmarks turn it off, to measure it. */
  durable?: boolean;
  /** How long a call waits for another process's transaction before it fails. Default 10 s. */
  busyTimeoutMs?: number;
}

/** The database file in the state folder. */
export const databaseFile = "state.sqlite";

/** What `PRAGMA user_version` holds in a database of this format. */
const FORMAT_VERSION = 1;
const SQLITE_BUSY = 5;

/** One per database file in this process: its connection, and the queue of its transactions. */
class Connection {
  readonly #path: string;
  readonly #busyTimeoutMs: number;
  readonly #db: DatabaseSync;
  readonly #values: StoredLines;
  readonly #mutex = new Mutex();
  /** Set while this process runs a transaction's work: its reads and writes belong to it. */
  readonly #inside = new AsyncLocalStorage<true>();
  #durable: boolean | undefined;

  constructor(dir: string, busyTimeoutMs: number) {
    this.#path = join(dir, databaseFile);
    this.#busyTimeoutMs = busyTimeoutMs;
    // Created readable by the user only; SQLite gives its -wal and -shm files the same mode.
    closeSync(openSync(this.#path, "a", 0o600));
    this.#db = new DatabaseSync(this.#path, { timeout: busyTimeoutMs });
    // A checkpoint every 100 pages (not SQLite's 1,000): until the WAL first reaches that size, each
    // commit's fsync also commits the file's growth (~100 µs more here), and the WAL stays ~400 KiB.
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 100");
    this.#begin();
    let removeFiles: () => void;
    try {
      const version = this.#db.prepare("PRAGMA user_version").get()!.user_version;
      if (version !== 0 && version !== FORMAT_VERSION) {
        throw new Error(
          `${this.#path} is in format ${version}, which this version of @licensing/client does not read (a newer one wrote it)`,
        );
      }
      this.#db.exec(`${linesTable}; PRAGMA user_version = ${FORMAT_VERSION}`);
      this.#values = new StoredLines(this.#db);
      this.#values.sync();
      removeFiles = migrateFiles(this.#values, dir);
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#rollback();
      throw error;
    }
    removeFiles();
  }

  get(key: string): Promise<string | null> {
    if (this.#inside.getStore()) return (async () => this.#values.get(key))();
    return this.#mutex.run(async () => {
      this.#values.sync();
      return this.#values.get(key);
    });
  }

  set(key: string, value: string, durable: boolean): Promise<void> {
    return this.exclusive(async () => this.#values.set(key, value), durable);
  }

  delete(key: string, durable: boolean): Promise<void> {
    return this.exclusive(async () => this.#values.delete(key), durable);
  }

  /** Runs `work` in a transaction (or in the one this call is part of): a write outside one is its own. */
  exclusive<T>(work: () => Promise<T>, durable: boolean): Promise<T> {
    if (this.#inside.getStore()) return work();
    return this.#mutex.run(() =>
      this.#inside.run(true, async () => {
        this.#setDurability(durable);
        this.#begin();
        try {
          const result = await work();
          this.#db.exec("COMMIT");
          return result;
        } catch (error) {
          this.#rollback();
          throw error;
        }
      }),
    );
  }

  /** BEGIN IMMEDIATE takes the write lock at once, so what the work reads is still true when it writes. */
  #begin(): void {
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      this.#values?.sync();
    } catch (error) {
      if ((error as { errcode?: number }).errcode !== SQLITE_BUSY) throw error;
      throw new Error(
        `The state database ${this.#path} stayed locked by another process for ${this.#busyTimeoutMs} ms`,
        { cause: error },
      );
    }
  }

  /** Undoes the transaction (SQLite may have ended it already, after a failed COMMIT). */
  #rollback(): void {
    if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
    this.#values?.forget();
  }

  /** synchronous is per connection: set between transactions, and only when it changes. */
  #setDurability(durable: boolean): void {
    if (this.#durable === durable) return;
    // fullfsync: on macOS a plain fsync leaves the data in the disk's cache (ignored elsewhere).
    this.#db.exec(
      durable ? "PRAGMA synchronous = FULL; PRAGMA fullfsync = ON" : "PRAGMA synchronous = NORMAL",
    );
    this.#durable = durable;
  }
}

/**
 * A folder written by the previous FileStorage (a `<key>.json` file per key, a `state.lock`
 * directory) is moved into the database, inside the transaction that creates it: each value
 * verbatim (the sealed state is checked on every read, as it was in its file), never over a value
 * the database already holds. The files go once the transaction has committed.
 */
function migrateFiles(values: StoredLines, dir: string): () => void {
  const found: string[] = [];
  for (const key of storageKeys) {
    const path = join(dir, `${key}.json`);
    let value: string;
    try {
      value = readFileSync(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    if (values.get(key) === null) values.set(key, value);
    found.push(path);
  }
  return () => {
    for (const path of found) rmSync(path, { force: true });
    const leftovers = readdirSync(dir).filter((name) => /^[\w.-]+\.json\.\d+\.\d+\.tmp$/.test(name));
    for (const name of [...leftovers, "state.lock"])
      rmSync(join(dir, name), { recursive: true, force: true });
  };
}

const connections = new Map<string, Connection>();

/** A value per key in `state.sqlite` under `dir`, each change durable; `exclusive` is a transaction. */
export class FileStorage implements ClientStorage {
  readonly #dir: string;
  readonly #durable: boolean;
  readonly #busyTimeoutMs: number;
  #connection: Connection | undefined;

  constructor(dir: string, options: FileStorageOptions = {}) {
    this.#dir = resolve(dir);
    this.#durable = options.durable ?? true;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  }

  get(key: string): Promise<string | null> {
    return this.#open().get(key);
  }

  set(key: string, value: string): Promise<void> {
    return this.#open().set(key, value, this.#durable);
  }

  delete(key: string): Promise<void> {
    return this.#open().delete(key, this.#durable);
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#open().exclusive(work, this.#durable);
  }

  /** The folder's connection, opened on first use (by the real path: one per file, however named). */
  #open(): Connection {
    if (this.#connection) return this.#connection;
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const real = realpathSync(this.#dir);
    let connection = connections.get(real);
    if (!connection) {
      connection = new Connection(real, this.#busyTimeoutMs);
      connections.set(real, connection);
    }
    this.#connection = connection;
    return connection;
  }
}
