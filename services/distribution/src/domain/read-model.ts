import {
  issuerEvents,
  type LicenseEvent,
  parseOrThrow,
  releaseEvents,
  type SigningKey,
} from "@licensing/contracts";
import {
  type EntityManager,
  EventConsumer,
  execute,
  type Logger,
  type Orm,
  query,
  queryOne,
} from "@licensing/platform";
import type { NatsConnection } from "@nats-io/transport-node";
import { applyPendingConsumption } from "./legacy-baseline.ts";
import { applyReleaseEvent } from "./updates.ts";

/** Takes the next number of the change feed. Serialized, so numbers become visible in order. */
export async function nextChange(em: EntityManager): Promise<number> {
  await query(em, "select pg_advisory_xact_lock(hashtext('distribution license changes'))");
  const row = await queryOne<{ seq: string }>(em, "select nextval('distribution.license_changes') as seq");
  return Number(row!.seq);
}

interface Current {
  serial: number;
  state: LicenseEvent["state"];
  state_at: Date | string;
  key_hash: string;
}

/**
 * Gives a legacy key alias to `licenseId` alone. A GUID names one license in the issuer, but a
 * license removed there (a rolled-back migration run) stays here, revoked, and the same legacy
 * license imported again arrives as a new one: the alias moves to it. The license losing it is a
 * change of the hand-off feed (a license server must stop accepting the GUID for it).
 */
async function claimLegacyKey(em: EntityManager, licenseId: string, legacyKeyHash: string): Promise<void> {
  const holder = await queryOne<{ license_id: string }>(
    em,
    "select license_id from distribution.licenses where legacy_key_hash = $1 and license_id <> $2 for update",
    [legacyKeyHash, licenseId],
  );
  if (!holder) return;
  await execute(
    em,
    "update distribution.licenses set legacy_key_hash = null, change_seq = $1, changed_at = $2 where license_id = $3",
    [await nextChange(em), new Date(), holder.license_id],
  );
}

/**
 * Applies one license event to the read model. The file and the limits come from the highest serial
 * seen (an older serial arriving late never replaces a newer file); the state from the latest event
 * by time, except that a revocation is final. Returns whether anything changed.
 */
export async function applyLicenseEvent(em: EntityManager, event: LicenseEvent): Promise<boolean> {
  const current = await queryOne<Current>(
    em,
    "select serial, state, state_at, key_hash from distribution.licenses where license_id = $1 for update",
    [event.licenseId],
  );
  const at = new Date(event.at);
  if (!current) {
    const seq = await nextChange(em);
    if (event.legacyKeyHash) await claimLegacyKey(em, event.licenseId, event.legacyKeyHash);
    await execute(
      em,
      `insert into distribution.licenses (license_id, key_hash, account_id, state, state_at, serial, file, encrypted,
         products, kind, internal, start_date, end_date, available_activations, accumulated_units,
         units_per_execution, seats, fingerprint, execution_modes, change_seq, changed_at, legacy_key_hash)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::text[],
         $20, $21, $22)`,
      [
        event.licenseId,
        event.keyHash,
        event.accountId,
        event.state,
        at,
        event.serial,
        event.file,
        event.encrypted,
        event.products,
        event.kind,
        event.internal,
        new Date(event.startDate),
        event.endDate ? new Date(event.endDate) : null,
        event.availableActivations,
        event.accumulatedUnits,
        event.unitsPerExecution,
        event.seats,
        event.fingerprint,
        event.executionModes ?? null,
        seq,
        new Date(),
        event.legacyKeyHash ?? null,
      ],
    );
    // Legacy consumption carried before the license arrived starts counting with it.
    await applyPendingConsumption(em, event.licenseId, Boolean(event.legacyKeyHash));
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
    await execute(
      em,
      `update distribution.licenses set serial = $1, file = $2, encrypted = $3, products = $4::text[], kind = $5,
         internal = $6, start_date = $7, end_date = $8, available_activations = $9, accumulated_units = $10,
         units_per_execution = $11, seats = $12, fingerprint = $13, execution_modes = $14::text[], account_id = $15,
         change_seq = $16, changed_at = $17
       where license_id = $18`,
      [
        event.serial,
        event.file,
        event.encrypted,
        event.products,
        event.kind,
        event.internal,
        new Date(event.startDate),
        event.endDate ? new Date(event.endDate) : null,
        event.availableActivations,
        event.accumulatedUnits,
        event.unitsPerExecution,
        event.seats,
        event.fingerprint,
        event.executionModes ?? null,
        event.accountId,
        seq,
        new Date(),
        event.licenseId,
      ],
    );
    // Left out by writers before 1.1: the alias stays as it was.
    if (event.legacyKeyHash !== undefined) {
      if (event.legacyKeyHash) await claimLegacyKey(em, event.licenseId, event.legacyKeyHash);
      await execute(em, "update distribution.licenses set legacy_key_hash = $1 where license_id = $2", [
        event.legacyKeyHash,
        event.licenseId,
      ]);
    }
  }
  if (newerState) {
    await execute(
      em,
      "update distribution.licenses set state = $1, state_at = $2, change_seq = $3, changed_at = $4 where license_id = $5",
      [event.state, at, seq, new Date(), event.licenseId],
    );
  }
  return true;
}

export async function storeSigningKey(em: EntityManager, key: SigningKey): Promise<void> {
  await execute(
    em,
    `insert into distribution.signing_keys (key_id, role, public_key, status, created_at) values ($1, $2, $3, $4, $5)
     on conflict (key_id) do update set status = excluded.status`,
    [
      key.keyId,
      key.role,
      Buffer.from(key.publicKey, "base64url").toString("base64"),
      key.status,
      new Date(key.createdAt),
    ],
  );
}

export interface ReadModelDeps {
  nc: NatsConnection;
  orm: Orm;
  prefix: string;
  log: Logger;
  /** Called after a change to a license committed, with its key hashes (cache, hand-off publisher). */
  changed: (keyHash: string) => void;
  /** Called after a change to a release committed (the release feed's publisher). */
  releasesChanged: () => void;
  /** Called after a signing key rotated. */
  keysChanged: () => void;
}

/** Keeps the read model current from the issuer's and the catalog's release events, each handled once. */
export function readModelConsumer(deps: ReadModelDeps): EventConsumer {
  // Caches are told after the transaction commits (a request in between would cache the old row).
  const changedIn = new WeakMap<object, string[]>();
  const releasesChangedIn = new WeakSet<object>();
  deps.orm.em.getEventManager().registerSubscriber({
    afterTransactionCommit: ({ transaction }) => {
      for (const keyHash of changedIn.get(transaction as object) ?? []) deps.changed(keyHash);
      if (releasesChangedIn.has(transaction as object)) deps.releasesChanged();
    },
  });
  const consumer = new EventConsumer({ ...deps, name: "distribution" });
  const licenseEvents = [
    issuerEvents.licenseIssued,
    issuerEvents.licenseRenewed,
    issuerEvents.licenseReissued,
    issuerEvents.licenseAmended,
    issuerEvents.licenseSuspended,
    issuerEvents.licenseReinstated,
    issuerEvents.licenseRevoked,
  ];
  // The read model stores the state and kind as they are, and decides downloads by the state: an
  // event with a value this release does not know is refused (validation_failed: dead-lettered, to
  // replay once distribution knows it) rather than guessed at.
  for (const type of licenseEvents) {
    consumer.on(type, async (received, { em }) => {
      const event = parseOrThrow(type.payload, received, `${type.name} event`);
      if (!(await applyLicenseEvent(em, event))) return;
      const transaction = em.getTransactionContext() as object | undefined;
      // The legacy alias too: a cached GUID must not keep naming the license it belonged to.
      const hashes = event.legacyKeyHash ? [event.keyHash, event.legacyKeyHash] : [event.keyHash];
      if (transaction) changedIn.set(transaction, [...(changedIn.get(transaction) ?? []), ...hashes]);
    });
  }
  // The catalog's releases (issue 18): what update checks answer from.
  for (const type of Object.values(releaseEvents)) {
    consumer.on(type, async (received, { em }) => {
      await applyReleaseEvent(em, parseOrThrow(type.payload, received, `${type.name} event`));
      const transaction = em.getTransactionContext() as object | undefined;
      if (transaction) releasesChangedIn.add(transaction);
    });
  }
  consumer.on(issuerEvents.signingKeyRotated, async (received, { em }) => {
    const key = parseOrThrow(issuerEvents.signingKeyRotated.payload, received, "signing-key.rotated event");
    await storeSigningKey(em, key);
    deps.keysChanged();
  });
  return consumer;
}
