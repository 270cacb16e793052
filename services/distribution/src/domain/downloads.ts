import { execute, type Logger, type Orm, type Worker } from "@licensing/platform";

/**
 * Counts downloads in memory and adds them to the read model about once a second in one statement,
 * so a download is never a write (a crash loses at most the last second's counts).
 */
export class DownloadCounter implements Worker {
  readonly #orm: Orm;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #pending = new Map<string, { n: number; at: Date }>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(orm: Orm, log: Logger, intervalMs = 1_000) {
    this.#orm = orm;
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  count(licenseId: string, at: Date): void {
    const entry = this.#pending.get(licenseId);
    if (entry) {
      entry.n++;
      entry.at = at;
    } else this.#pending.set(licenseId, { n: 1, at });
  }

  start(): void {
    this.#timer = setInterval(() => void this.flush(), this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  /** Writes the counts gathered so far. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  async #write(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    const ids = [...batch.keys()];
    try {
      await execute(
        this.#orm,
        `update distribution.licenses l set times_downloaded = l.times_downloaded + d.n,
           last_downloaded_at = greatest(l.last_downloaded_at, d.at)
         from jsonb_to_recordset($1::jsonb) as d(id text, n bigint, at timestamptz) where l.license_id = d.id`,
        [JSON.stringify(ids.map((id) => ({ id, n: batch.get(id)!.n, at: batch.get(id)!.at.toISOString() })))],
      );
    } catch (error) {
      // Put them back for the next attempt.
      for (const [id, { n, at }] of batch) {
        const entry = this.#pending.get(id);
        if (entry) entry.n += n;
        else this.#pending.set(id, { n, at });
      }
      this.#log.warn({ err: error }, "could not record download counts; will retry");
    }
  }
}
