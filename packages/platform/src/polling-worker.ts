import type { Logger } from "pino";
import type { Worker } from "./bus-service.ts";

export interface PollingWorkerOptions {
  /** What the log says it could not do, e.g. "publish outbox events". */
  what: string;
  log: Logger;
  /** Does one batch of work and says how much it did. */
  batch: () => Promise<number>;
  /** A full batch means more is waiting: the next one starts at once. */
  batchSize: number;
  /** How often to look for work when nothing nudged the worker. */
  pollMs?: number;
  /**
   * How soon to look again after a batch that found work but less than a full batch: by default
   * `pollMs`. Shorter, a steady stream of work is done in small batches as it comes rather than in
   * one large batch a poll.
   */
  busyPollMs?: number;
  /** The longest wait between retries after failures (they back off from `pollMs`). */
  maxBackoffMs?: number;
}

/**
 * A loop that does batches of work until stopped: at once when nudged, else every `pollMs` (every
 * `busyPollMs` while it finds work), again at once after a full batch, and backing off (doubling,
 * up to `maxBackoffMs`) while it fails — logging the first failure and every 30th, not each one. The
 * outbox relay, the audit chain and the hand-off to license servers are such loops.
 */
export class PollingWorker implements Worker {
  readonly #options: Required<PollingWorkerOptions>;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #nudged = false;

  constructor(options: PollingWorkerOptions) {
    const pollMs = options.pollMs ?? 1_000;
    this.#options = {
      ...options,
      pollMs,
      busyPollMs: options.busyPollMs ?? pollMs,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
    };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Work now rather than at the next poll. */
  nudge(): void {
    this.#nudged = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { log, what, batch, batchSize, pollMs, busyPollMs, maxBackoffMs } = this.#options;
    let failures = 0;
    while (this.#running) {
      this.#nudged = false;
      let done = 0;
      try {
        done = await batch();
        failures = 0;
        if (done >= batchSize) continue;
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 30 === 0)
          log.warn({ err: error, failures }, `could not ${what}; retrying`);
      }
      if (!this.#nudged) {
        if (failures > 0) await this.#sleep(Math.min(pollMs * 2 ** failures, maxBackoffMs));
        else await this.#sleep(done > 0 ? busyPollMs : pollMs);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.#wake = undefined;
    });
  }
}
