import { LRUCache } from "lru-cache";

/**
 * A key's count in the current window, and how much of it this replica has not reported yet; an
 * object so a request bumps it without a second lookup.
 */
interface Tally {
  readonly key: string;
  count: number;
  unreported: number;
}

/** What a rate-limit store answers: the key's count in the window and the milliseconds left in it. */
export interface WindowCount {
  current: number;
  ttl: number;
}

/** This replica's increments since it last told the others, all of one window, as [key, count] pairs. */
export interface Unpublished {
  windowStart: number;
  counts: [string, number][];
}

export interface WindowCountsOptions {
  /** The window's length; windows start at multiples of it since the epoch, the same on every replica. */
  windowMs: number;
  /** How many keys are counted at most; past it the least recently used are dropped (`onShed`). */
  maxKeys: number;
  /** Whether increments are kept for `takeUnpublished` (false: this replica counts alone). */
  shared: boolean;
  now: () => number;
  /** Called for each key dropped to stay under `maxKeys`. */
  onShed?: () => void;
}

/**
 * Request counts per key in one fixed window, in this replica's memory: its own requests plus those
 * the other replicas report (`addRemote`). Counting never waits on the network; the counts of
 * earlier windows are dropped as soon as a new window begins, and at most `maxKeys` keys are held.
 */
export class WindowCounts {
  readonly windowMs: number;
  readonly #maxKeys: number;
  readonly #shared: boolean;
  readonly #now: () => number;
  readonly #onShed: () => void;
  readonly #tallies: LRUCache<string, Tally>;
  #windowStart = Number.NEGATIVE_INFINITY;
  /** The tallies counted since the last report (a key dropped and counted again may be there twice). */
  #unreported: Tally[] = [];

  constructor(options: WindowCountsOptions) {
    this.windowMs = options.windowMs;
    this.#maxKeys = options.maxKeys;
    this.#shared = options.shared;
    this.#now = options.now;
    this.#onShed = options.onShed ?? (() => {});
    this.#tallies = new LRUCache<string, Tally>({
      max: options.maxKeys,
      dispose: (_tally, _key, reason) => {
        if (reason === "evict") this.#onShed();
      },
    });
  }

  /** Counts one request of `key` and answers its count in the window, this one included. */
  add(key: string): WindowCount {
    const now = this.#roll();
    const tally = this.#tally(key);
    tally.count += 1;
    if (this.#shared) {
      if (tally.unreported > 0) tally.unreported += 1;
      else if (this.#unreported.length < this.#maxKeys) {
        tally.unreported = 1;
        this.#unreported.push(tally);
      } else this.#onShed();
    }
    return { current: tally.count, ttl: this.#windowStart + this.windowMs - now };
  }

  /** The count of `key` in the window, without counting a request. */
  read(key: string): WindowCount {
    const now = this.#roll();
    const tally = this.#tallies.peek(key);
    return tally
      ? { current: tally.count, ttl: this.#windowStart + this.windowMs - now }
      : { current: 0, ttl: 0 };
  }

  /**
   * Adds what another replica counted in the window starting at `windowStart`. Counts of another
   * window (late, or from a replica whose clock is ahead) are ignored: answers whether they were added.
   */
  addRemote(windowStart: number, counts: Iterable<readonly [string, number]>): boolean {
    this.#roll();
    if (windowStart !== this.#windowStart) return false;
    for (const [key, count] of counts) this.#tally(key).count += count;
    return true;
  }

  /** This replica's increments since the last call, to tell the others; none when nothing was counted. */
  takeUnpublished(): Unpublished | undefined {
    this.#roll();
    if (this.#unreported.length === 0) return undefined;
    const counts: [string, number][] = [];
    for (const tally of this.#unreported) {
      counts.push([tally.key, tally.unreported]);
      tally.unreported = 0;
    }
    this.#unreported = [];
    return { windowStart: this.#windowStart, counts };
  }

  /** How many keys are counted in the window. */
  get size(): number {
    return this.#tallies.size;
  }

  /**
   * Starts a new window once the clock has passed the current one, or has been set back before its
   * start (else the counts, and the refusals, would stay for as long as the clock went back);
   * answers the time.
   */
  #roll(): number {
    const now = this.#now();
    if (now < this.#windowStart || now - this.#windowStart >= this.windowMs) {
      this.#windowStart = now - (now % this.windowMs);
      this.#tallies.clear();
      this.#unreported = [];
    }
    return now;
  }

  #tally(key: string): Tally {
    let tally = this.#tallies.get(key);
    if (!tally) {
      tally = { key, count: 0, unreported: 0 };
      this.#tallies.set(key, tally);
    }
    return tally;
  }
}
