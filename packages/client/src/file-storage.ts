// Node: state in files, safe across processes. Each write goes to a temporary file that is fsynced
// and renamed over the old one (and the folder fsynced), so a crash leaves the old or the new file,
// never a torn one. Read-modify-write runs under a lock on the folder: proper-lockfile (a lock
// directory, atomic to create on every file system, kept fresh while held and taken over once
// stale, so a process killed while holding it blocks the others for `staleMs` at most), plus a
// queue per folder in this process so managers of one process wait without polling.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";
import lockfile from "proper-lockfile";
import { type ClientStorage, Mutex } from "./storage.ts";

export interface FileStorageOptions {
  /** fsync each write and its folder (default true). Only benchmarks turn it off, to measure it. */
  durable?: boolean;
  /** A lock not refreshed for this long is taken over (its holder died). Default 10 s, at least 5 s. */
  staleMs?: number;
}

const mutexes = new Map<string, Mutex>();
let temporaries = 0;

/** A file per key under `dir`, each written atomically and durably; `exclusive` locks the folder. */
export class FileStorage implements ClientStorage {
  readonly #dir: string;
  readonly #durable: boolean;
  readonly #staleMs: number;

  constructor(dir: string, options: FileStorageOptions = {}) {
    this.#dir = resolve(dir);
    this.#durable = options.durable ?? true;
    this.#staleMs = Math.max(5_000, options.staleMs ?? 10_000);
  }

  #path(key: string): string {
    return join(this.#dir, `${key.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);
  }

  async get(key: string): Promise<string | null> {
    try {
      return readFileSync(this.#path(key), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async set(key: string, value: string): Promise<void> {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const path = this.#path(key);
    const temporary = `${path}.${process.pid}.${++temporaries}.tmp`;
    const fd = openSync(temporary, "w", 0o600);
    try {
      writeSync(fd, value);
      if (this.#durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    if (this.#durable) this.#syncFolder();
  }

  async delete(key: string): Promise<void> {
    rmSync(this.#path(key), { force: true });
    if (this.#durable) this.#syncFolder();
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    let mutex = mutexes.get(this.#dir);
    if (!mutex) {
      mutex = new Mutex();
      mutexes.set(this.#dir, mutex);
    }
    return mutex.run(async () => {
      mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
      const release = await lockfile.lock(this.#dir, {
        lockfilePath: join(this.#dir, "state.lock"),
        realpath: false,
        stale: this.#staleMs,
        retries: { retries: 10_000, factor: 1.2, minTimeout: 1, maxTimeout: 50, randomize: true },
        // Held for a few milliseconds: losing it means the event loop stalled for `staleMs`; the
        // next read-modify-write takes it again. Never throw from a timer (it would end the process).
        onCompromised: () => undefined,
      });
      try {
        return await work();
      } finally {
        await release().catch(() => undefined);
      }
    });
  }

  /** Makes the rename itself durable (no-op where folders cannot be opened, e.g. Windows). */
  #syncFolder(): void {
    let fd: number | undefined;
    try {
      fd = openSync(this.#dir, "r");
      fsyncSync(fd);
    } catch {
      // not supported here
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}
