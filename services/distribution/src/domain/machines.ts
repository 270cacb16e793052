import { AppError, type Machine, newId } from "@licensing/contracts";
import { type EntityManager, execute, type Orm, query, queryOne } from "@licensing/platform";
import { type LicenseRecord, requireFingerprintAllowed, requireUsable } from "./licenses.ts";
import { type MachineRow, raised, toMachine } from "./rows.ts";
import type { DocumentSigning } from "./signing.ts";

export interface MachineTimings {
  /** A machine that has sent heartbeats is released after this long without one. */
  heartbeatTimeoutMs: number;
  /** Lifetime of a machine-activation document fetched online. */
  machineFileTtlMs: number;
  /** Lifetime of one made for an offline activation. */
  offlineFileTtlMs: number;
}

export interface MachineInfo {
  fingerprint: string;
  hostname: string;
  platform: string;
  offline?: boolean;
  machinePublicKey?: string;
}

const machineColumns = `id, license_id, fingerprint, hostname, platform, status, offline, activated_at, last_seen_at,
  last_heartbeat_at, ended_at, end_reason`;

/**
 * Activations. The limit holds under any concurrency through a counting constraint: a new
 * activation increments the license's `active_machines` only where it is below
 * `availableActivations`, in the same transaction as the insert, and the row lock that update takes
 * orders concurrent activations of one license. A unique index makes one fingerprint one activation.
 */
export class Machines {
  readonly #orm: Orm;
  readonly #timings: MachineTimings;
  readonly #now: () => Date;

  constructor(orm: Orm, timings: MachineTimings, now: () => Date) {
    this.#orm = orm;
    this.#timings = timings;
    this.#now = now;
  }

  get heartbeatTimeoutMs(): number {
    return this.#timings.heartbeatTimeoutMs;
  }

  async activate(
    license: LicenseRecord,
    info: MachineInfo,
  ): Promise<{ activation: Machine; created: boolean }> {
    const now = this.#now();
    requireUsable(license, now);
    requireFingerprintAllowed(license, info.fingerprint);
    try {
      const row = await queryOne<{ machine: MachineRow & { created: boolean } }>(
        this.#orm,
        "select distribution.activate_machine($1, $2, $3, $4, $5, $6, $7, $8) as machine",
        [
          newId("machine"),
          license.licenseId,
          info.fingerprint,
          info.hostname,
          info.platform,
          info.offline ?? false,
          info.machinePublicKey ?? null,
          now,
        ],
      );
      const machine = row!.machine;
      return { activation: this.#view(machine), created: machine.created };
    } catch (error) {
      if (raised(error, "activation_limit_reached")) {
        throw new AppError(
          "activation_limit_reached",
          `Every activation of this license is in use (${license.availableActivations}); deactivate a machine first`,
          { availableActivations: license.availableActivations },
        );
      }
      if (raised(error, "conflict"))
        throw new AppError("conflict", "The activation changed meanwhile; try again");
      throw error;
    }
  }

  /** Ends a machine's activation (by the product, or by an operator), freeing its slot. */
  async deactivate(licenseId: string, where: { fingerprint: string } | { id: string }, reason: string) {
    return this.#orm.em.fork().transactional(async (em) => {
      const [ended] = await this.#end(em, licenseId, where, "deactivated", reason);
      return ended;
    });
  }

  async heartbeat(license: LicenseRecord, fingerprint: string): Promise<Machine> {
    const now = this.#now();
    requireUsable(license, now);
    const row = await queryOne<MachineRow>(
      this.#orm,
      `update distribution.machines set last_heartbeat_at = $1, last_seen_at = $1
         where license_id = $2 and fingerprint = $3 and status = 'active' returning ${machineColumns}`,
      [now, license.licenseId, fingerprint],
    );
    if (!row) throw notActivated();
    return this.#view(row);
  }

  /** The active activation of a fingerprint, marked as seen. */
  async seen(license: LicenseRecord, fingerprint: string): Promise<Machine> {
    const row = await queryOne<MachineRow>(
      this.#orm,
      `update distribution.machines set last_seen_at = $1
         where license_id = $2 and fingerprint = $3 and status = 'active' returning ${machineColumns}`,
      [this.#now(), license.licenseId, fingerprint],
    );
    if (!row) throw notActivated();
    return this.#view(row);
  }

  async isActive(licenseId: string, fingerprint: string): Promise<boolean> {
    const rows = await query(
      this.#orm,
      "select 1 from distribution.machines where license_id = $1 and fingerprint = $2 and status = 'active'",
      [licenseId, fingerprint],
    );
    return rows.length > 0;
  }

  /**
   * The signed machine-activation document: the license file bound to this machine, for a while.
   * A machine that sends heartbeats gets a file that expires when this service would release it
   * (its last heartbeat plus the timeout), so it cannot keep working offline on a slot that is
   * given to another machine; it fetches a new one after each heartbeat (docs/distribution.md).
   */
  async machineFile(license: LicenseRecord, machine: Machine, signing: DocumentSigning) {
    const issuedAt = this.#now();
    const expiresAt = new Date(machineFileExpiry(machine, issuedAt, this.#timings)).toISOString();
    const file = await signing.machineActivation({
      activationId: machine.id,
      licenseId: license.licenseId,
      fingerprint: machine.fingerprint,
      hostname: machine.hostname,
      platform: machine.platform,
      offline: machine.offline,
      licenseFile: license.file,
      licenseSerial: license.serial,
      issuedAt: issuedAt.toISOString(),
      expiresAt,
    });
    return { file, expiresAt };
  }

  /** Releases machines whose heartbeats stopped; returns how many. */
  async sweep(): Promise<number> {
    const silentSince = new Date(this.#now().getTime() - this.#timings.heartbeatTimeoutMs);
    return this.#orm.em.fork().transactional(async (em) => {
      // One replica sweeps at a time (two would lock the same rows in different orders).
      const lock = await queryOne<{ ok: boolean }>(
        em,
        "select pg_try_advisory_xact_lock(hashtext('distribution machine sweep')) as ok",
      );
      if (!lock?.ok) return 0;
      const released = await query<{ license_id: string }>(
        em,
        `update distribution.machines set status = 'released', ended_at = $1, end_reason = 'no heartbeat'
         where status = 'active' and not offline and last_heartbeat_at < $2 returning license_id`,
        [this.#now(), silentSince],
      );
      await uncount(em, released);
      return released.length;
    });
  }

  async list(licenseId: string): Promise<Machine[]> {
    const rows = await query<MachineRow>(
      this.#orm,
      `select ${machineColumns} from distribution.machines where license_id = $1
       order by (status = 'active') desc, coalesce(ended_at, activated_at) desc limit 500`,
      [licenseId],
    );
    return rows.map((row) => this.#view(row));
  }

  async #end(
    em: EntityManager,
    licenseId: string,
    where: { fingerprint: string } | { id: string },
    status: "deactivated" | "released",
    reason: string,
  ): Promise<Machine[]> {
    const [column, value] = "id" in where ? ["id", where.id] : ["fingerprint", where.fingerprint];
    const ended = await query<MachineRow>(
      em,
      `update distribution.machines set status = $1, ended_at = $2, end_reason = $3
       where license_id = $4 and ${column} = $5 and status = 'active' returning ${machineColumns}`,
      [status, this.#now(), reason, licenseId, value],
    );
    await uncount(em, ended);
    return ended.map((row) => this.#view(row));
  }

  #view(row: MachineRow): Machine {
    return toMachine(row, this.#timings.heartbeatTimeoutMs);
  }
}

async function uncount(em: EntityManager, ended: { license_id: string }[]): Promise<void> {
  const perLicense = new Map<string, number>();
  for (const { license_id } of ended) perLicense.set(license_id, (perLicense.get(license_id) ?? 0) + 1);
  for (const [licenseId, n] of [...perLicense].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await execute(
      em,
      "update distribution.licenses set active_machines = active_machines - $1 where license_id = $2",
      [n, licenseId],
    );
  }
}

/** When a machine file issued at `issuedAt` for `machine` stops proving its activation. */
export function machineFileExpiry(machine: Machine, issuedAt: Date, timings: MachineTimings): number {
  if (machine.offline) return issuedAt.getTime() + timings.offlineFileTtlMs;
  const ttl = issuedAt.getTime() + timings.machineFileTtlMs;
  if (machine.lastHeartbeatAt === null) return ttl;
  return Math.min(ttl, Date.parse(machine.lastHeartbeatAt) + timings.heartbeatTimeoutMs);
}

export function notActivated(): AppError {
  return new AppError("not_found", "This machine is not activated for this license; activate it first");
}
