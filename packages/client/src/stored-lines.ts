// How FileStorage keeps its values in SQLite: a row per line, numbered in order. The sealed state
// changes a few lines at a time (its MAC and its head on every call, a queued report added or sent),
// so a write changes only the rows whose lines changed and a call commits a page or two however
// long the queue grows, where a value in one row would be written whole, fsync included, each time.
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** The table: `n` numbers a value's lines, one apart from the first. */
export const linesTable =
  "CREATE TABLE IF NOT EXISTS lines (key TEXT NOT NULL, n INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (key, n)) WITHOUT ROWID";

/** A value as its rows hold it; `first` is undefined when rows were removed by hand (gaps). */
interface Stored {
  value: string;
  lines: string[];
  first: number | undefined;
}

/**
 * A connection's values, each read once and kept until another connection commits. Use it inside
 * a transaction, after sync(): what it knows must still be true when it writes.
 */
export class StoredLines {
  readonly #read: StatementSync;
  readonly #write: StatementSync;
  readonly #deleteAll: StatementSync;
  readonly #deleteOutside: StatementSync;
  readonly #dataVersion: StatementSync;
  /** What this connection last read or wrote, by key (null: no such value). */
  readonly #known = new Map<string, Stored | null>();
  #version: unknown;

  constructor(db: DatabaseSync) {
    this.#read = db.prepare(
      "SELECT string_agg(text, char(10) ORDER BY n) AS value, min(n) AS first, max(n) AS last, count(*) AS rows FROM lines WHERE key = ?",
    );
    this.#write = db.prepare(
      "INSERT INTO lines (key, n, text) VALUES (?, ?, ?) ON CONFLICT (key, n) DO UPDATE SET text = excluded.text",
    );
    this.#deleteAll = db.prepare("DELETE FROM lines WHERE key = ?");
    this.#deleteOutside = db.prepare("DELETE FROM lines WHERE key = ? AND (n < ? OR n > ?)");
    // Changes when another connection (this process's or another's) has committed since last asked.
    this.#dataVersion = db.prepare("PRAGMA data_version");
  }

  /** Forgets what is known once another connection has committed. */
  sync(): void {
    const version = this.#dataVersion.get()!.data_version;
    if (version !== this.#version) {
      this.#known.clear();
      this.#version = version;
    }
  }

  /** Forgets everything: a transaction rolled back, so what it wrote is not what is stored. */
  forget(): void {
    this.#known.clear();
  }

  get(key: string): string | null {
    return this.#stored(key)?.value ?? null;
  }

  set(key: string, value: string): void {
    const old = this.#stored(key);
    if (old?.value === value) return;
    const lines = value.split("\n");
    const block = old?.first === undefined ? undefined : commonBlock(old.lines, lines);
    if (!old || !block) {
      this.#deleteAll.run(key);
      for (const [i, line] of lines.entries()) this.#write.run(key, i, line);
      this.#known.set(key, { value, lines, first: 0 });
      return;
    }
    // Keep the rows of a run of lines both hold; number the other lines around it and write them
    // over the old rows of those numbers; delete the rows numbered beyond the new ones.
    const first = old.first! + block.before - block.after;
    const last = first + lines.length - 1;
    if (first > old.first! || last < old.first! + old.lines.length - 1)
      this.#deleteOutside.run(key, first, last);
    for (let i = 0; i < block.after; i++) this.#write.run(key, first + i, lines[i]!);
    for (let i = block.after + block.length; i < lines.length; i++)
      this.#write.run(key, first + i, lines[i]!);
    this.#known.set(key, { value, lines, first });
  }

  delete(key: string): void {
    this.#deleteAll.run(key);
    this.#known.set(key, null);
  }

  #stored(key: string): Stored | null {
    let stored = this.#known.get(key);
    if (stored === undefined) {
      const row = this.#read.get(key)!;
      const value = row.value as string | null;
      const [first, last, rows] = [Number(row.first), Number(row.last), Number(row.rows)];
      stored =
        value === null
          ? null
          : { value, lines: value.split("\n"), first: last - first + 1 === rows ? first : undefined };
      this.#known.set(key, stored);
    }
    return stored;
  }
}

interface Block {
  before: number;
  after: number;
  length: number;
}

/** How many leading lines may differ (the sealed state's MAC and head) before a full search. */
const HEAD = 4;

/**
 * A long run of lines `before` and `after` hold alike, in order (undefined: none). The usual change
 * keeps a run that starts among the first lines of both and leaves few lines of `before` out: that
 * is tried first; otherwise the longest run that starts at the first occurrence of a line.
 */
function commonBlock(before: string[], after: string[]): Block | undefined {
  let best: Block | undefined;
  const consider = (i: number, j: number) => {
    let length = 1;
    while (
      i + length < after.length &&
      j + length < before.length &&
      after[i + length] === before[j + length]
    )
      length++;
    if (!best || length > best.length) best = { before: j, after: i, length };
    return length;
  };
  for (let i = 0; i < Math.min(HEAD, after.length); i++)
    for (let j = 0; j < Math.min(HEAD, before.length); j++) if (after[i] === before[j]) consider(i, j);
  if (best && before.length - best.length <= 2 * HEAD) return best;
  const at = new Map<string, number>();
  for (const [j, line] of before.entries()) if (!at.has(line)) at.set(line, j);
  for (let i = 0; i < after.length; ) {
    const j = at.get(after[i]!);
    i += j === undefined ? 1 : consider(i, j);
  }
  return best;
}
