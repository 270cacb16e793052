import { createHash } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import { canonicalize } from "@licensing/model";
import type { Logger } from "pino";
import type { Worker } from "../bus-service.ts";
import type { EntityManager, Orm } from "../database.ts";
import { PollingWorker } from "../polling-worker.ts";
import { execute, query, queryOne, tableName } from "../sql.ts";
import { type Backlog, watchAuditChain } from "../work-metrics.ts";

/** An audit entry as the table holds it (raw rows: what is hashed is what is stored). */
export interface AuditRow {
  id: string;
  at: Date;
  actor_id: string;
  actor_name: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  request_id: string | null;
  reason: string | null;
  changes: unknown;
  chain_seq: string | number | null;
  hash: string | null;
}

export const auditColumns =
  "id, at, actor_id, actor_name, action, entity_type, entity_id, request_id, reason, changes, chain_seq, hash";

/** The hash before the first entry of a chain. */
export const chainGenesis = "0".repeat(64);

/**
 * An entry's link: SHA-256 over the previous link and the entry in canonical JSON (RFC 8785), its
 * service and place included, so an entry moved to another place or another service's log no longer
 * matches. Hex.
 */
export function chainHash(previous: string, service: string, seq: number, row: AuditRow): string {
  const entry = canonicalize({
    service,
    seq,
    id: row.id,
    at: new Date(row.at).toISOString(),
    actorId: row.actor_id,
    actorName: row.actor_name,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    requestId: row.request_id,
    reason: row.reason,
    changes: row.changes,
  });
  return createHash("sha256").update(`audit-chain/v1.${previous}.`).update(entry).digest("hex");
}

/**
 * Entries linked between two turns of the event loop. Linking one takes 10–30 µs, so a batch of 500
 * held the service's requests up for 5–15 ms at a time, once a second under a steady load: enough to
 * set its p99 (issue 20). Fifty hold them up for about a millisecond.
 */
export const linksBetweenTurns = 50;

/**
 * Each entry's place and link after `head` (none: the genesis), in order, letting the event loop
 * turn every `linksBetweenTurns` entries.
 */
export async function chainLinks(
  service: string,
  head: { seq: number; hash: string } | null,
  rows: AuditRow[],
): Promise<{ ids: string[]; seqs: number[]; hashes: string[] }> {
  let seq = head?.seq ?? 0;
  let previous = head?.hash ?? chainGenesis;
  const links = { ids: [] as string[], seqs: [] as number[], hashes: [] as string[] };
  for (const [i, row] of rows.entries()) {
    if (i > 0 && i % linksBetweenTurns === 0) await nextTurn();
    seq++;
    previous = chainHash(previous, service, seq, row);
    links.ids.push(row.id);
    links.seqs.push(seq);
    links.hashes.push(previous);
  }
  return links;
}

/**
 * Chains the entries committed since the last batch, oldest first: each gets the next place and its
 * link. One replica at a time (a transaction-scoped advisory lock per schema; a replica that does not
 * get it leaves the batch to the one that did). Writers never wait for it: they only insert.
 */
export async function chainAuditBatch(orm: Orm, service: string, batchSize = 500): Promise<number> {
  return orm.em.fork().transactional(async (em) => {
    const table = tableName(em, "audit_log");
    const locked = await queryOne<{ locked: boolean }>(
      em,
      "select pg_try_advisory_xact_lock(hashtext($1)) as locked",
      [`audit chain ${table}`],
    );
    if (!locked?.locked) return 0;
    const pending = await query<AuditRow>(
      em,
      `select ${auditColumns} from ${table} where chain_seq is null order by at, id limit $1`,
      [batchSize],
    );
    if (pending.length === 0) return 0;
    const head = await queryOne<{ chain_seq: string; hash: string }>(
      em,
      `select chain_seq, hash from ${table} where chain_seq is not null order by chain_seq desc limit 1`,
    );
    const { ids, seqs, hashes } = await chainLinks(
      service,
      head ? { seq: Number(head.chain_seq), hash: head.hash } : null,
      pending,
    );
    await execute(
      em,
      `update ${table} as a set chain_seq = v.seq, hash = v.hash
         from unnest($1::text[], $2::bigint[], $3::text[]) as v(id, seq, hash)
        where a.id = v.id and a.chain_seq is null`,
      [ids, seqs, hashes],
    );
    return pending.length;
  });
}

/**
 * The worker that chains a service's audit entries as they commit (one per service process): idle,
 * it looks once a second; while entries keep coming, every 100 ms, at most 100 at a time. Chaining
 * an entry rewrites its row and five index entries, and 500 at a time, once a second, held up
 * the commits of the requests beside it by 20–60 ms (issue 20). While it runs, `/metrics` shows how
 * many entries wait to be chained and how old the oldest is.
 */
export function auditChainWorker(options: {
  orm: Orm;
  service: string;
  log: Logger;
  pollMs?: number;
}): Worker {
  const batchSize = 100;
  const pollMs = options.pollMs ?? 1_000;
  const loop = new PollingWorker({
    what: "chain audit entries",
    log: options.log,
    batchSize,
    pollMs,
    busyPollMs: Math.min(pollMs, 100),
    batch: () => chainAuditBatch(options.orm, options.service, batchSize),
  });
  const schema = options.orm.config.get("schema") ?? "public";
  let unwatch: (() => void) | undefined;
  return {
    start() {
      loop.start();
      unwatch ??= watchAuditChain(schema, () => unchainedAudit(options.orm), options.log);
    },
    async stop() {
      unwatch?.();
      unwatch = undefined;
      await loop.stop();
    },
  };
}

/** The entries not chained yet and the age of the oldest (`/metrics`, on each scrape). */
async function unchainedAudit(orm: Orm): Promise<Backlog> {
  const em = orm.em.fork();
  const row = await queryOne<{ unchained: string; age: number | null }>(
    em,
    `select count(*) as unchained, extract(epoch from now() - min(at))::float8 as age
       from ${tableName(em, "audit_log")} where chain_seq is null`,
  );
  return { waiting: Number(row?.unchained ?? 0), oldestAgeSeconds: Math.max(0, row?.age ?? 0) };
}

/** What verifying a service's chain found. */
export interface AuditChainReport {
  service: string;
  ok: boolean;
  /** Chained entries checked. */
  checked: number;
  /** Entries not chained yet. */
  pending: number;
  /** The last link: note it down, and a later verify shows whether entries after it were cut off. */
  head: { seq: number; hash: string } | null;
  /** The first entry that does not match its place in the chain, and why. */
  firstBroken?: { id: string | null; seq: number; reason: string };
}

/**
 * Recomputes a service's chain from its first entry: an entry edited (its link no longer matches),
 * deleted (a place is missing) or moved (its link names another place) is found, and the first one
 * is named. Entries removed from the end leave no gap: compare `head` with one noted earlier.
 */
export async function verifyAuditChain(
  em: EntityManager,
  service: string,
  pageSize = 2_000,
): Promise<AuditChainReport> {
  const table = tableName(em, "audit_log");
  const pending = Number(
    (await queryOne<{ n: string }>(em, `select count(*) as n from ${table} where chain_seq is null`))?.n ?? 0,
  );
  const report: AuditChainReport = { service, ok: true, checked: 0, pending, head: null };
  let expected = 1;
  let previous = chainGenesis;
  for (;;) {
    const rows = await query<AuditRow>(
      em,
      `select ${auditColumns} from ${table} where chain_seq >= $1 order by chain_seq limit $2`,
      [expected, pageSize],
    );
    for (const row of rows) {
      const seq = Number(row.chain_seq);
      if (seq !== expected) {
        report.ok = false;
        report.firstBroken = {
          id: null,
          seq: expected,
          reason: `entry ${expected} is missing (the next one is ${seq}): deleted, or renumbered`,
        };
        return report;
      }
      if (row.hash !== chainHash(previous, service, seq, row)) {
        report.ok = false;
        report.firstBroken = {
          id: row.id,
          seq,
          reason: "its hash does not match: it, or an entry before it, was changed, moved or replaced",
        };
        return report;
      }
      previous = row.hash;
      report.checked++;
      report.head = { seq, hash: row.hash };
      expected++;
    }
    if (rows.length < pageSize) break;
  }
  const stray = await queryOne<{ id: string }>(
    em,
    `select id from ${table} where (chain_seq is null) <> (hash is null) limit 1`,
  );
  if (stray) {
    report.ok = false;
    report.firstBroken = {
      id: stray.id,
      seq: expected,
      reason: "it has a hash without a place, or a place without a hash",
    };
  }
  return report;
}
