/**
 * Group commit: callers submit items one at a time; the committer writes whatever has queued up in
 * one transaction (up to `maxBatch`), so a burst of concurrent requests costs one commit rather than
 * one each. While a batch is being written, new items wait for the next one.
 *
 * `write` returns one outcome per item, in order: a value, or an Error for that item alone. If the
 * whole batch throws, each item is retried in a batch of its own, so one bad item cannot fail the
 * others.
 */
interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<Item, Result> {
  readonly #write: (items: Item[]) => Promise<(Result | Error)[]>;
  readonly #maxBatch: number;
  readonly #queue: Pending<Item, Result>[] = [];
  #writing = false;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: (() => void) | undefined;

  constructor(write: (items: Item[]) => Promise<(Result | Error)[]>, options: { maxBatch?: number } = {}) {
    this.#write = write;
    this.#maxBatch = options.maxBatch ?? 100;
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  /** Resolves when nothing is queued or being written. */
  settled(): Promise<void> {
    return this.#idle;
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    this.#idle = new Promise((resolve) => {
      this.#markIdle = resolve;
    });
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      await this.#commit(batch);
    }
    this.#writing = false;
    this.#markIdle?.();
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
