interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Largest batch written in one transaction. */
  maxBatch?: number;
  /** Batches written at once: while one waits on the database, the next one forms and starts. */
  concurrency?: number;
}

/**
 * Group commit: callers submit items one at a time; the committer writes whatever has queued up in
 * one transaction (up to `maxBatch`), so a burst of concurrent requests costs one commit rather than
 * one each.
 *
 * `write` returns one outcome per item, in order: a value, or an Error for that item alone. If the
 * whole batch throws, each item is retried in a batch of its own, so one bad item cannot fail the
 * others.
 */
export class GroupCommit<Item, Result> {
  readonly #write: (items: Item[]) => Promise<(Result | Error)[]>;
  readonly #maxBatch: number;
  readonly #concurrency: number;
  readonly #queue: Pending<Item, Result>[] = [];
  readonly #inFlight = new Set<Promise<void>>();

  constructor(write: (items: Item[]) => Promise<(Result | Error)[]>, options: GroupCommitOptions = {}) {
    this.#write = write;
    this.#maxBatch = options.maxBatch ?? 100;
    this.#concurrency = options.concurrency ?? 1;
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#pump();
    });
  }

  /** Resolves when nothing is queued or being written. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #pump(): void {
    while (this.#inFlight.size < this.#concurrency && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      const writing: Promise<void> = this.#commit(batch).finally(() => {
        this.#inFlight.delete(writing);
        this.#pump();
      });
      this.#inFlight.add(writing);
    }
  }

  async #commit(batch: Pending<Item, Result>[]): Promise<void> {
    let outcomes: (Result | Error)[];
    try {
      outcomes = await this.#write(batch.map((entry) => entry.item));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      for (const entry of batch) await this.#commit([entry]);
      return;
    }
    batch.forEach((entry, index) => {
      const outcome = outcomes[index];
      if (outcome instanceof Error) entry.reject(outcome);
      else entry.resolve(outcome as Result);
    });
  }
}
