// The hand-off to the license server: every license's newest file and state, and every release
// (release-handoff.ts), as change feeds. Pulled with GET /v1/sync and GET /v1/sync/releases
// (cursor-based) or pushed on the JetStream streams `<PREFIX>_LICENSE_FILES` (subject
// `<prefix>.license-files.<licenseId>`) and `<PREFIX>_RELEASES` (`<prefix>.releases.<releaseId>`),
// which keep the last message of each item (compacted logs: a new server reads every current item).
// An item too large for a message is stored in the object store `<PREFIX>_LICENSE_FILE_BODIES`
// under its id, and its message names it in `Lic-Body-Ref` (docs/distribution.md).

import { BodyStore } from "@licensing/bus";
import type { HandoffItem } from "@licensing/contracts";
import {
  ensureStream,
  execute,
  type Logger,
  type Orm,
  PollingWorker,
  query,
  queryOne,
  type Worker,
} from "@licensing/platform";
import {
  DiscardPolicy,
  type JetStreamClient,
  jetstream,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { headers, type NatsConnection, nanos } from "@nats-io/transport-node";
import { iso, isoOrNull, type Timestamp } from "./rows.ts";

/** Items published at a time (and fewer when their files pass MAX_PAGE_FILE_BYTES together). */
const BATCH = 200;

export function licenseFilesStream(prefix: string): string {
  return `${prefix.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_LICENSE_FILES`;
}

interface FeedRow {
  change_seq: string;
  license_id: string;
  key_hash: string;
  legacy_key_hash: string | null;
  account_id: string;
  state: HandoffItem["state"];
  serial: number;
  encrypted: boolean;
  products: string[];
  kind: HandoffItem["kind"];
  start_date: Timestamp;
  end_date: Timestamp | null;
  file: string;
  changed_at: Timestamp;
}

function toItem(row: FeedRow): HandoffItem {
  return {
    version: 1,
    cursor: String(row.change_seq),
    licenseId: row.license_id,
    keyHash: row.key_hash,
    legacyKeyHash: row.legacy_key_hash,
    accountId: row.account_id,
    state: row.state,
    serial: row.serial,
    encrypted: row.encrypted,
    products: row.products,
    kind: row.kind,
    startDate: iso(row.start_date),
    endDate: isoOrNull(row.end_date),
    file: row.file,
    changedAt: iso(row.changed_at),
  };
}

/** A page of the feed holds files of at most this many bytes together (and always one item). */
export const MAX_PAGE_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Licenses issued or changed after `cursor`, oldest change first: at most `limit` items, and no more
 * files than MAX_PAGE_FILE_BYTES together (a page of large licenses is shorter; `hasMore` says so).
 */
export async function changesSince(orm: Orm, cursor: string | undefined, limit: number) {
  // The next `limit + 1` changes, then a running total of their files' sizes (octet_length reads
  // the stored length without decompressing), then the page: the changes that start under the budget.
  const rows = await query<FeedRow & { fetched: string }>(
    orm,
    `select * from (
       select changes.*, count(*) over () as fetched,
         sum(octet_length(file)) over (order by change_seq) - octet_length(file) as before
       from (
         select change_seq, license_id, key_hash, legacy_key_hash, account_id, state, serial, encrypted, products, kind,
           start_date, end_date, file, changed_at
         from distribution.licenses where change_seq > $1 order by change_seq limit $2
       ) changes
     ) page where before < $3 order by change_seq`,
    [cursor ?? "0", limit + 1, MAX_PAGE_FILE_BYTES],
  );
  const page = rows.slice(0, limit);
  const hasMore = rows.length > 0 && Number(rows[0]!.fetched) > page.length;
  const items = page.map(toItem);
  return { items, nextCursor: items.at(-1)?.cursor ?? cursor ?? null, hasMore };
}

/**
 * One feed of the hand-off: what changed after a cursor, and where each item goes. Each feed has its
 * stream (the last message of each item kept for good) and its row in `feed_state`.
 */
export interface HandoffFeed<T extends { cursor: string }> {
  /** Its row in `feed_state`, and its subjects' token: `<prefix>.<name>.<key>`. */
  name: "license-files" | "releases";
  stream: (prefix: string) => string;
  /** What the item is about: the last part of its subject, its message id's and its stored body's name. */
  key: (item: T) => string;
  /** Names the item in errors and logs. */
  what: (item: T) => string;
  changes: (orm: Orm, cursor: string, limit: number) => Promise<{ items: T[] }>;
}

export const licenseFilesFeed: HandoffFeed<HandoffItem> = {
  name: "license-files",
  stream: licenseFilesStream,
  key: (item) => item.licenseId,
  what: (item) => `license file ${item.licenseId}`,
  changes: changesSince,
};

/** Creates (or updates) a feed's stream: the last message per item, kept for good. */
export async function ensureHandoffStream(
  nc: NatsConnection,
  prefix: string,
  feed: Pick<HandoffFeed<never>, "name" | "stream">,
): Promise<string> {
  const name = feed.stream(prefix);
  await ensureStream(nc, {
    name,
    subjects: [`${prefix}.${feed.name}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: 1,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(2 * 3_600_000),
  });
  return name;
}

/**
 * Publishes a feed to its stream, from where it last stopped (kept in `feed_state`). One replica at a
 * time holds the feed row; a repeat after a crash is deduplicated by `Nats-Msg-Id`
 * (`<key>:<cursor>`) and, being the same newest state, harmless anyway. An item too large for a
 * message is stored in the hand-off's bodies bucket under its key.
 */
export class HandoffPublisher<T extends { cursor: string }> implements Worker {
  readonly #feed: HandoffFeed<T>;
  readonly #orm: Orm;
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #js: JetStreamClient;
  readonly #bodies: BodyStore;
  readonly #loop: PollingWorker;

  constructor(feed: HandoffFeed<T>, deps: { orm: Orm; nc: NatsConnection; prefix: string; log: Logger }) {
    this.#feed = feed;
    this.#orm = deps.orm;
    this.#nc = deps.nc;
    this.#prefix = deps.prefix;
    this.#js = jetstream(deps.nc);
    this.#bodies = new BodyStore(deps.nc, deps.prefix, "licenseFiles");
    this.#loop = new PollingWorker({
      what: `publish ${feed.name}`,
      log: deps.log,
      batchSize: BATCH,
      batch: () => this.publishBatch(),
    });
  }

  async start(): Promise<void> {
    await ensureHandoffStream(this.#nc, this.#prefix, this.#feed);
    // A feed added after the schema's first release gets its row here, from its start.
    await execute(
      this.#orm,
      "insert into distribution.feed_state (name, last_seq) values ($1, 0) on conflict (name) do nothing",
      [this.#feed.name],
    );
    this.#loop.start();
  }

  nudge(): void {
    this.#loop.nudge();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Publishes one batch; returns how many messages. */
  async publishBatch(): Promise<number> {
    const feed = this.#feed;
    return this.#orm.em.fork().transactional(async (em) => {
      const state = await queryOne<{ last_seq: string }>(
        em,
        "select last_seq from distribution.feed_state where name = $1 for update skip locked",
        [feed.name],
      );
      if (!state) return 0;
      const { items } = await feed.changes(this.#orm, String(state.last_seq), BATCH);
      if (items.length === 0) return 0;
      // A large item is stored under its key: the store, like the stream, keeps the newest.
      const bodies = await Promise.all(
        items.map((item) => this.#bodies.put(item, feed.what(item), feed.key(item))),
      );
      await Promise.all(
        items.map((item, i) =>
          this.#js.publish(`${this.#prefix}.${feed.name}.${feed.key(item)}`, bodies[i]!.data, {
            msgID: `${feed.key(item)}:${item.cursor}`,
            headers: bodies[i]!.annotate(headers()),
          }),
        ),
      );
      await execute(em, "update distribution.feed_state set last_seq = $1 where name = $2", [
        items.at(-1)!.cursor,
        feed.name,
      ]);
      return items.length;
    });
  }
}
