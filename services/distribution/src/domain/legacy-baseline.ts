// A migrated license's legacy baseline (issue 14): the legacy consumption last carried for it, kept in
// distribution.legacy_consumption, and how carrying it moves the license's counters and machines.
// The endpoint that carries it is legacy-consumption.ts; docs/distribution.md, "Legacy consumption".
import { createHash } from "node:crypto";
import { type Actor, AppError, type LegacyConsumptionItem, newId } from "@licensing/contracts";
import { type EntityManager, execute, query, queryOne, recordAudit } from "@licensing/platform";
import { isoOrNull, type Timestamp } from "./rows.ts";

/** What legacy machines are activated as: their system recorded no hostname, and never heartbeats. */
const legacyMachine = { hostname: "", platform: "legacy", offline: true } as const;

interface LegacyMachine {
  fingerprint: string;
  activatedAt: string | null;
  lastSeenAt: string | null;
}

/** One license's legacy consumption, normalized: what is stored, compared and applied. */
export interface Carried {
  unitsConsumed: number;
  lastUsedAt: string | null;
  timesDownloaded: number;
  /** One per fingerprint (the first named wins), in fingerprint order. */
  machines: LegacyMachine[];
}

export interface ConsumptionRow {
  license_id: string;
  run_id: string;
  units_consumed: string | number;
  last_used_at: Timestamp | null;
  times_downloaded: string | number;
  machines: LegacyMachine[];
  content_hash: string;
  actor_id: string;
  actor_name: string;
  request_id: string | null;
  applied_at: Timestamp | null;
}

const consumptionColumns = `license_id, run_id, units_consumed, last_used_at, times_downloaded, machines, content_hash,
  actor_id, actor_name, request_id, applied_at`;

export function normalize(item: LegacyConsumptionItem): Carried {
  const byFingerprint = new Map<string, LegacyMachine>();
  for (const m of item.machines) {
    if (byFingerprint.has(m.fingerprint)) continue;
    byFingerprint.set(m.fingerprint, {
      fingerprint: m.fingerprint,
      activatedAt: isoOrNull(m.activatedAt),
      lastSeenAt: isoOrNull(m.lastSeenAt),
    });
  }
  return {
    unitsConsumed: item.unitsConsumed,
    lastUsedAt: isoOrNull(item.lastUsedAt),
    timesDownloaded: item.timesDownloaded,
    machines: [...byFingerprint.values()].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1)),
  };
}

/** SHA-256 of the carried values: equal for the same consumption however the item spelled it. */
export function contentHash(carried: Carried): string {
  const machines = carried.machines.map((m) => [m.fingerprint, m.activatedAt, m.lastSeenAt]);
  const values = [carried.unitsConsumed, carried.lastUsedAt, carried.timesDownloaded, machines];
  return createHash("sha256").update(JSON.stringify(values)).digest("hex");
}

export function fromRow(row: ConsumptionRow): Carried {
  return {
    unitsConsumed: Number(row.units_consumed),
    lastUsedAt: isoOrNull(row.last_used_at),
    timesDownloaded: Number(row.times_downloaded),
    machines: row.machines,
  };
}

/**
 * Serializes everything done to one license's legacy consumption: two carries of it, and a carry and
 * the license's arrival in the read model (which applies a pending carry). The two-key form keeps
 * these locks apart from the one-key locks elsewhere in the schema.
 */
/** lockConsumption for several licenses, taken in one order (so two carries never wait for each other). */
export async function lockConsumptions(em: EntityManager, licenseIds: string[]): Promise<void> {
  await query(
    em,
    `select pg_advisory_xact_lock(hashtext('distribution legacy consumption'), hashtext(k))
       from (select distinct k from unnest($1::text[]) k order by k) ordered`,
    [licenseIds],
  );
}

export async function lockConsumption(em: EntityManager, licenseId: string): Promise<void> {
  await queryOne(
    em,
    "select pg_advisory_xact_lock(hashtext('distribution legacy consumption'), hashtext($1))",
    [licenseId],
  );
}

/**
 * Moves a license's counters from the legacy baseline they include (`previous`, none at first) to
 * `next`: units and downloads by the difference (what products reported here since is kept, and
 * nothing is counted twice), the last use to the later one, and each machine `next` names anew
 * activated (unless that fingerprint is active already). Returns how many machines were activated.
 * The machines are inserted before the license's row is updated, the order an activation takes
 * (distribution.activate_machine): the other order deadlocks with a product activating meanwhile.
 */
export async function applyToLicense(
  em: EntityManager,
  licenseId: string,
  next: Carried,
  previous: Carried | undefined,
): Promise<number> {
  const known = new Set(previous?.machines.map((m) => m.fingerprint));
  const now = new Date().toISOString();
  const fresh = next.machines
    .filter((m) => !known.has(m.fingerprint))
    .map((m) => ({
      id: newId("machine"),
      fingerprint: m.fingerprint,
      activated_at: m.activatedAt ?? now,
      last_seen_at: m.lastSeenAt ?? m.activatedAt ?? now,
    }));
  let activated = 0;
  if (fresh.length > 0) {
    activated = await execute(
      em,
      `insert into distribution.machines (id, license_id, fingerprint, hostname, platform, status, offline,
         activated_at, last_seen_at)
       select m.id, $2, m.fingerprint, $3, $4, 'active', $5, m.activated_at, m.last_seen_at
       from jsonb_to_recordset($1::jsonb) as m(id text, fingerprint text, activated_at timestamptz, last_seen_at timestamptz)
       on conflict (license_id, fingerprint) where status = 'active' do nothing`,
      [
        JSON.stringify(fresh),
        licenseId,
        legacyMachine.hostname,
        legacyMachine.platform,
        legacyMachine.offline,
      ],
    );
  }
  const counters = await queryOne<{ units_consumed: string; times_downloaded: string }>(
    em,
    `update distribution.licenses set units_consumed = units_consumed + $1, times_downloaded = times_downloaded + $2,
       last_used_at = greatest(last_used_at, $3), active_machines = active_machines + $4
     where license_id = $5 returning units_consumed, times_downloaded`,
    [
      next.unitsConsumed - (previous?.unitsConsumed ?? 0),
      next.timesDownloaded - (previous?.timesDownloaded ?? 0),
      next.lastUsedAt,
      activated,
      licenseId,
    ],
  );
  // Counters are numbers in every answer: past 2^53 they could no longer be told exactly.
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  const over = [
    ["unitsConsumed", counters!.units_consumed],
    ["timesDownloaded", counters!.times_downloaded],
  ].filter(([, value]) => BigInt(value!) > max);
  if (over.length > 0) {
    throw AppError.validation(
      over.map(([path]) => ({
        path: path!,
        message: "with what this license recorded here, would pass 2^53 - 1",
      })),
    );
  }
  return activated;
}

export function auditReason(runId: string, carried: Carried, activated: number): string {
  return (
    `migration run ${runId}: ${carried.unitsConsumed} units consumed, ${carried.timesDownloaded} downloads, ` +
    `${carried.machines.length} machines (${activated} activated here)`
  );
}

/**
 * Applies the legacy consumption carried for `licenseId` before distribution had the license, in the
 * transaction that inserts the license into the read model (read-model.ts). A license that is no
 * migrated one (no legacy key) does not take it: it stays pending, and a later carry is refused.
 */
export async function applyPendingConsumption(em: EntityManager, licenseId: string, migrated: boolean) {
  if (!migrated) return;
  await lockConsumption(em, licenseId);
  // Marked applied as it is read: the transaction applies it below, or nothing of it is kept.
  const pending = await queryOne<ConsumptionRow>(
    em,
    `update distribution.legacy_consumption set applied_at = $2 where license_id = $1 and applied_at is null
     returning ${consumptionColumns}`,
    [licenseId, new Date()],
  );
  if (!pending) return;
  const carried = fromRow(pending);
  const activated = await applyToLicense(em, licenseId, carried, undefined);
  await recordAudit(em, {
    action: "legacy-consumption.applied",
    entityType: "license",
    entityId: licenseId,
    changes: { runId: [null, pending.run_id] },
    actor: { id: pending.actor_id, username: pending.actor_name },
    ctx: { requestId: pending.request_id },
    reason: auditReason(pending.run_id, carried, activated),
  });
}

/** The legacy consumption kept for a license, locked for the transaction; undefined when none. */
export function readConsumption(em: EntityManager, licenseId: string): Promise<ConsumptionRow | undefined> {
  return queryOne<ConsumptionRow>(
    em,
    `select ${consumptionColumns} from distribution.legacy_consumption where license_id = $1 for update`,
    [licenseId],
  );
}

/** What storeConsumptions keeps for one license. */
export interface Carry {
  licenseId: string;
  runId: string;
  carried: Carried;
  hash: string;
  actor: Pick<Actor, "id" | "username">;
  requestId: string;
  /** Null while the license has not reached distribution. */
  appliedAt: Date | null;
}

/**
 * Keeps each carry as its license's legacy consumption, replacing what was kept: one statement for
 * them all (a migration's batch keeps hundreds pending at once). Each license at most once.
 */
export async function storeConsumptions(em: EntityManager, carries: Carry[]): Promise<void> {
  if (carries.length === 0) return;
  const rows = carries.map((c) => ({
    license_id: c.licenseId,
    run_id: c.runId,
    units_consumed: c.carried.unitsConsumed,
    last_used_at: c.carried.lastUsedAt,
    times_downloaded: c.carried.timesDownloaded,
    machines: c.carried.machines,
    content_hash: c.hash,
    actor_id: c.actor.id,
    actor_name: c.actor.username,
    request_id: c.requestId,
    applied_at: c.appliedAt?.toISOString() ?? null,
  }));
  await execute(
    em,
    `insert into distribution.legacy_consumption (license_id, run_id, units_consumed, last_used_at, times_downloaded,
       machines, content_hash, actor_id, actor_name, request_id, carried_at, applied_at)
     select c.license_id, c.run_id, c.units_consumed, c.last_used_at, c.times_downloaded, c.machines, c.content_hash,
       c.actor_id, c.actor_name, c.request_id, $2, c.applied_at
     from jsonb_to_recordset($1::jsonb) as c(license_id text, run_id text, units_consumed bigint,
       last_used_at timestamptz, times_downloaded bigint, machines jsonb, content_hash text, actor_id text,
       actor_name text, request_id text, applied_at timestamptz)
     on conflict (license_id) do update set run_id = excluded.run_id, units_consumed = excluded.units_consumed,
       last_used_at = excluded.last_used_at, times_downloaded = excluded.times_downloaded,
       machines = excluded.machines, content_hash = excluded.content_hash, actor_id = excluded.actor_id,
       actor_name = excluded.actor_name, request_id = excluded.request_id, carried_at = excluded.carried_at,
       applied_at = excluded.applied_at`,
    [JSON.stringify(rows), new Date()],
  );
}
