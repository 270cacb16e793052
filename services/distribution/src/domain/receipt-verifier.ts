import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import {
  isModelError,
  type OpenedReceipt,
  openReceipt,
  type SignedReceipt,
  type UsageReceipt,
} from "@licensing/model";

/** A receipt opened, or why not (the model's error code and message). */
export type ReceiptCheck = OpenedReceipt | { signed: SignedReceipt; code: string; message: string };

type Result = { receipt: UsageReceipt; hash: string } | { code: string; message: string };

/** Below this many receipts a log is checked on the calling thread: a hand-off would cost more. */
const INLINE_BELOW = 512;

/**
 * Opens receipts (signature, content, hash) on worker threads, a log's receipts split among them, so
 * an upload of thousands uses every core while the event loop keeps answering other requests. The
 * threads are unref'd: they never hold the process open.
 */
export class ReceiptVerifier {
  readonly #size: number;
  #workers: Worker[] = [];
  #next = 0;
  #jobs = new Map<number, { resolve: (results: Result[]) => void; reject: (error: Error) => void }>();
  #id = 0;

  constructor(threads = Math.min(4, availableParallelism())) {
    this.#size = Math.max(0, threads);
  }

  async open(key: Uint8Array, receipts: readonly SignedReceipt[]): Promise<ReceiptCheck[]> {
    if (this.#size === 0 || receipts.length < INLINE_BELOW) return receipts.map((s) => openInline(s, key));
    const workers = this.#pool();
    const size = Math.ceil(receipts.length / workers.length);
    const chunks: Promise<Result[]>[] = [];
    for (let from = 0; from < receipts.length; from += size) {
      const id = this.#id++;
      const worker = workers[this.#next++ % workers.length]!;
      chunks.push(new Promise((resolve, reject) => this.#jobs.set(id, { resolve, reject })));
      worker.postMessage({ id, key, receipts: receipts.slice(from, from + size) });
    }
    const results = (await Promise.all(chunks)).flat();
    return results.map((result, i) => {
      const signed = receipts[i]!;
      return "receipt" in result ? { ...result, signed } : { signed, ...result };
    });
  }

  async stop(): Promise<void> {
    const workers = this.#workers;
    this.#workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  #pool(): Worker[] {
    if (this.#workers.length > 0) return this.#workers;
    for (let i = 0; i < this.#size; i++) {
      const worker = new Worker(new URL("./receipt-verify-worker.ts", import.meta.url));
      worker.unref();
      worker.on("message", ({ id, results }: { id: number; results: Result[] }) => {
        this.#jobs.get(id)?.resolve(results);
        this.#jobs.delete(id);
      });
      worker.on("error", (error) => {
        // A thread that died fails the uploads waiting on it (nothing was written yet); the next
        // upload starts a fresh pool.
        for (const job of this.#jobs.values()) job.reject(error);
        this.#jobs.clear();
        void this.stop();
      });
      this.#workers.push(worker);
    }
    return this.#workers;
  }
}

function openInline(signed: SignedReceipt, key: Uint8Array): ReceiptCheck {
  try {
    return openReceipt(signed, key);
  } catch (error) {
    if (!isModelError(error)) throw error;
    return { signed, code: error.code, message: error.message };
  }
}
