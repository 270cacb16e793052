import { issuerEvents, type LicenseEvent, type SigningKey } from "@licensing/contracts";
import { type EntityManager, EventConsumer, type Logger, type Orm } from "@licensing/platform";
import type { NatsConnection } from "@nats-io/transport-node";
import { textArray } from "./rows.ts";

/** Takes the next number of the change feed. Serialized, so numbers become visible in order. */
export async function nextChange(em: EntityManager): Promise<number> {
  await em.execute("select pg_advisory_xact_lock(hashtext('distribution license changes'))");
  const [row] = await em.execute<{ seq: string }[]>("select nextval('distribution.license_changes') as seq");
  return Number(row!.seq);
}

interface Current {
  serial: number;
  state: LicenseEvent["state"];
  state_at: Date | string;
  key_hash: string;
}

/**
 * Applies one license event to the read model. The file and the limits come from the highest serial
 * seen (an older serial arriving late never replaces a newer file); the state from the latest event
 * by time, except that a revocation is final. Returns whether anything changed.
 */
export async function applyLicenseEvent(em: EntityManager, event: LicenseEvent): Promise<boolean> {
  const [current] = await em.execute<Current[]>(
    "select serial, state, state_at, key_hash from distribution.licenses where license_id = ? for update",
    [event.licenseId],
  );
  const at = new Date(event.at);
  if (!current) {
    const seq = await nextChange(em);
    await em.execute(
      `insert into distribution.licenses (license_id, key_hash, account_id, state, state_at, serial, file, encrypted,
         products, kind, internal, start_date, end_date, available_activations, accumulated_units,
         units_per_execution, seats, fingerprint, execution_modes, change_seq, changed_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?::text[], ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::text[], ?, ?)`,
      [
        event.licenseId,
        event.keyHash,
        event.accountId,
        event.state,
        at,
        event.serial,
        event.file,
        event.encrypted,
        textArray(event.products),
        event.kind,
        event.internal,
        new Date(event.startDate),
        event.endDate ? new Date(event.endDate) : null,
        event.availableActivations,
        event.accumulatedUnits,
        event.unitsPerExecution,
        event.seats,
        event.fingerprint,
        event.executionModes ? textArray(event.executionModes) : null,
        seq,
        new Date(),
      ],
      "run",
    );
    return true;
  }
  const newerFile = event.serial > current.serial;
  const newerState =
    current.state !== "revoked" &&
    at.getTime() >= new Date(current.state_at).getTime() &&
    event.state !== current.state;
  if (!newerFile && !newerState) return false;
  const seq = await nextChange(em);
  if (newerFile) {
    await em.execute(
      `update distribution.licenses set serial = ?, file = ?, encrypted = ?, products = ?::text[], kind = ?, internal = ?,
         start_date = ?, end_date = ?, available_activations = ?, accumulated_units = ?, units_per_execution = ?,
         seats = ?, fingerprint = ?, execution_modes = ?::text[], account_id = ?, change_seq = ?, changed_at = ?
       where license_id = ?`,
      [
        event.serial,
        event.file,
        event.encrypted,
        textArray(event.products),
        event.kind,
        event.internal,
        new Date(event.startDate),
        event.endDate ? new Date(event.endDate) : null,
        event.availableActivations,
        event.accumulatedUnits,
        event.unitsPerExecution,
        event.seats,
        event.fingerprint,
        event.executionModes ? textArray(event.executionModes) : null,
        event.accountId,
        seq,
        new Date(),
        event.licenseId,
      ],
      "run",
    );
  }
  if (newerState) {
    await em.execute(
      "update distribution.licenses set state = ?, state_at = ?, change_seq = ?, changed_at = ? where license_id = ?",
      [event.state, at, seq, new Date(), event.licenseId],
      "run",
    );
  }
  return true;
}

export async function storeSigningKey(em: EntityManager, key: SigningKey): Promise<void> {
  await em.execute(
    `insert into distribution.signing_keys (key_id, public_key, status, created_at) values (?, ?, ?, ?)
     on conflict (key_id) do update set status = excluded.status`,
    [
      key.keyId,
      Buffer.from(key.publicKey, "base64url").toString("base64"),
      key.status,
      new Date(key.createdAt),
    ],
    "run",
  );
}

export interface ReadModelDeps {
  nc: NatsConnection;
  orm: Orm;
  prefix: string;
  log: Logger;
  /** Called after a change to a license committed (cache, hand-off publisher). */
  changed: (keyHash: string) => void;
  /** Called after a signing key rotated. */
  keysChanged: () => void;
}

/** Keeps the read model current from the issuer's events, each handled once. */
export function readModelConsumer(deps: ReadModelDeps): EventConsumer {
  // Caches are told after the transaction commits (a request in between would cache the old row).
  const changedIn = new WeakMap<object, string[]>();
  deps.orm.em.getEventManager().registerSubscriber({
    afterTransactionCommit: ({ transaction }) => {
      for (const keyHash of changedIn.get(transaction as object) ?? []) deps.changed(keyHash);
    },
  });
  const consumer = new EventConsumer({ ...deps, name: "distribution" });
  const licenseEvents = [
    issuerEvents.licenseIssued,
    issuerEvents.licenseRenewed,
    issuerEvents.licenseReissued,
    issuerEvents.licenseSuspended,
    issuerEvents.licenseReinstated,
    issuerEvents.licenseRevoked,
  ];
  for (const type of licenseEvents) {
    consumer.on(type, async (event, { em }) => {
      if (!(await applyLicenseEvent(em, event))) return;
      const transaction = em.getTransactionContext() as object | undefined;
      if (transaction) changedIn.set(transaction, [...(changedIn.get(transaction) ?? []), event.keyHash]);
    });
  }
  consumer.on(issuerEvents.signingKeyRotated, async (key, { em }) => {
    await storeSigningKey(em, key);
    deps.keysChanged();
  });
  return consumer;
}
