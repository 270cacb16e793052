// What "nothing half-written" is checked against: a fingerprint of every row a request can write
// (count and digest per table), and, once the platform has settled, the event accounting (every
// event in the stream comes from a committed outbox row, and every outbox row was published once).
// A relay deletes an outbox row once its event is published: the ledger keeps the id of every row
// as it commits (a trigger it puts on each outbox), to count them.
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import pg from "pg";

/**
 * Tables left out, each because something other than the request under test writes it later:
 * read models fed by events (distribution's licenses, signing keys), consumers' and relays'
 * bookkeeping (processed events, the hand-off feed position), roll-ups compacted by a timer
 * (issuer's stats), the digest schedule, and session and sign-in bookkeeping that requests touch
 * by design (a refused sign-in counts against its address). Outboxes are fingerprinted by their
 * rows, not by `published_at`; audit logs by their entries, not by the chain fields their chaining
 * worker sets after commit, and without failed sign-ins, which a refused sign-in records by design.
 */
const derived = new Set([
  "distribution.licenses",
  "distribution.signing_keys",
  "distribution.feed_state",
  "notifier.digest_runs",
  "gateway.sessions",
  "gateway.sign_in_throttle",
]);
const derivedPatterns = [/\.processed_events$/, /\.schema_(migrations|repeatables)$/, /^issuer\.stats_/];

export interface Fingerprint {
  tables: Map<string, string>;
}

export class Ledger {
  readonly #client: pg.Client;
  #query = "";
  #outboxes: string[] = [];

  private constructor(client: pg.Client) {
    this.#client = client;
  }

  static async open(databaseUrl: string): Promise<Ledger> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const ledger = new Ledger(client);
    await ledger.#prepare();
    return ledger;
  }

  async #prepare(): Promise<void> {
    const { rows } = await this.#client.query<{ name: string }>(
      `select table_schema || '.' || table_name as name from information_schema.tables
       where table_schema in ('catalog', 'issuer', 'distribution', 'notifier', 'gateway')
         and table_type = 'BASE TABLE' order by 1`,
    );
    this.#outboxes = rows.map((r) => r.name).filter((name) => name.endsWith(".outbox"));
    await this.#client.query("create table if not exists public.fuzz_committed_events (id text primary key)");
    await this.#client.query(
      `create or replace function public.fuzz_keep_event() returns trigger language plpgsql as $$
       begin insert into public.fuzz_committed_events values (new.id); return new; end $$`,
    );
    for (const outbox of this.#outboxes)
      await this.#client.query(
        `create or replace trigger fuzz_keep_event after insert on ${outbox} for each row execute function public.fuzz_keep_event()`,
      );
    const tables = rows
      .map((r) => r.name)
      .filter((name) => !derived.has(name) && !derivedPatterns.some((p) => p.test(name)));
    this.#query = tables
      .map((name) => {
        const audit = name.endsWith(".audit_log");
        const row = name.endsWith(".outbox")
          ? "(t.id, t.event, t.payload)::text"
          : audit
            ? "(t.id, t.at, t.actor_id, t.action, t.entity_type, t.entity_id, t.reason, t.changes)::text"
            : "t::text";
        const where = audit ? " where t.action <> 'user.sign-in-failed'" : "";
        return `select '${name}' as name, count(*) || ':' || coalesce(md5(string_agg(md5(${row}), '' order by md5(${row}))), '') as digest from ${name} t${where}`;
      })
      .join(" union all ");
  }

  /** Counts and digests of every table a request may write. */
  async fingerprint(): Promise<Fingerprint> {
    const { rows } = await this.#client.query<{ name: string; digest: string }>(this.#query);
    return { tables: new Map(rows.map((r) => [r.name, r.digest])) };
  }

  /** The tables whose rows differ between two fingerprints. */
  static changed(before: Fingerprint, after: Fingerprint): string[] {
    return [...after.tables]
      .filter(([name, digest]) => before.tables.get(name) !== digest)
      .map(([name]) => name);
  }

  /** Counts events from now on (call it once the platform has settled). */
  async startCounting(): Promise<void> {
    await this.#client.query("truncate public.fuzz_committed_events");
  }

  /** Events committed to every service's outbox since startCounting, and those not yet published. */
  async outboxRows(): Promise<{ total: number; unpublished: number }> {
    const { rows } = await this.#client.query<{ total: string; unpublished: string }>(
      `select (select count(*) from public.fuzz_committed_events) as total,
              (select count(*) from (${this.#outboxes
                .map((name) => `select 1 from ${name} where published_at is null`)
                .join(" union all ")}) o) as unpublished`,
    );
    return { total: Number(rows[0]!.total), unpublished: Number(rows[0]!.unpublished) };
  }

  async close(): Promise<void> {
    await this.#client.end();
  }
}

/** Messages in the deployment's event stream. */
export async function streamedEvents(nc: NatsConnection, stream: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(stream)).state.messages;
}

/**
 * Resolves once what a successful request set going has finished: every outbox row published and
 * every consumer of the event stream caught up (their writes are not the next request's).
 */
export async function settle(ledger: Ledger, nc: NatsConnection, stream: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const deadline = Date.now() + 30_000;
  for (;;) {
    let busy = (await ledger.outboxRows()).unpublished > 0;
    if (!busy) {
      for await (const consumer of jsm.consumers.list(stream)) {
        if (consumer.num_pending > 0 || consumer.num_ack_pending > 0) busy = true;
      }
    }
    if (!busy) return;
    if (Date.now() > deadline) throw new Error("the platform did not settle within 30 s");
    await new Promise((r) => setTimeout(r, 5));
  }
}
