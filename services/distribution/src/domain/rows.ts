// Raw rows of the distribution schema and their mapping. The hot paths are single SQL statements
// under row locks and counting constraints, where MikroORM's unit of work would add nothing but
// cost, so this service reads and writes with SQL (`query` of @licensing/platform, schema-qualified)
// and maps rows here. The tables themselves are described by entities.ts.
import type { Lease, Machine } from "@licensing/contracts";

export type Timestamp = Date | string;

/** A timestamp column as ISO-8601 (pg returns Date objects; some paths give strings). */
export function iso(value: Timestamp): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function isoOrNull(value: Timestamp | null | undefined): string | null {
  return value === null || value === undefined ? null : iso(value);
}

export interface MachineRow {
  id: string;
  license_id: string;
  fingerprint: string;
  hostname: string;
  platform: string;
  status: "active" | "deactivated" | "released";
  offline: boolean;
  activated_at: Timestamp;
  last_seen_at: Timestamp;
  last_heartbeat_at: Timestamp | null;
  ended_at: Timestamp | null;
  end_reason: string | null;
}

export function toMachine(row: MachineRow, heartbeatTimeoutMs: number): Machine {
  const beat = row.last_heartbeat_at;
  const releasable = row.status === "active" && !row.offline && beat !== null;
  return {
    id: row.id,
    licenseId: row.license_id,
    fingerprint: row.fingerprint,
    hostname: row.hostname,
    platform: row.platform,
    status: row.status,
    offline: row.offline,
    activatedAt: iso(row.activated_at),
    lastSeenAt: iso(row.last_seen_at),
    lastHeartbeatAt: isoOrNull(beat),
    releaseAfter: releasable ? new Date(new Date(beat).getTime() + heartbeatTimeoutMs).toISOString() : null,
    endedAt: isoOrNull(row.ended_at),
    endReason: row.end_reason,
  };
}

export interface LeaseRow {
  id: string;
  license_id: string;
  fingerprint: string;
  hostname: string;
  acquired_at: Timestamp;
  renewed_at: Timestamp;
  expires_at: Timestamp;
  released_at: Timestamp | null;
  release_reason: string | null;
}

export function toLease(row: LeaseRow): Lease {
  return {
    id: row.id,
    licenseId: row.license_id,
    fingerprint: row.fingerprint,
    hostname: row.hostname,
    acquiredAt: iso(row.acquired_at),
    renewedAt: iso(row.renewed_at),
    expiresAt: iso(row.expires_at),
    releasedAt: isoOrNull(row.released_at),
    releaseReason: row.release_reason,
  };
}

/** Whether `error` is the exception a distribution function raised with this message. */
export function raised(error: unknown, message: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === "P0001" && typeof e.message === "string" && e.message.includes(message);
}
