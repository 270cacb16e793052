// Shared by the legacy consumption tests: carrying over the bus, a license arriving by its event,
// and what the read model and the audit hold of a license.
import { randomBytes, randomUUID } from "node:crypto";
import {
  type Actor,
  distribution,
  issuerEvents,
  type LicenseEvent,
  newId,
  type RequestIn,
} from "@licensing/contracts";
import { envelopeHeaders, eventStreamName, query, queryOne } from "@licensing/platform";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { DistributionUnderTest } from "./distribution-harness.ts";
import { superadmin } from "./distribution-harness.ts";

export type ItemIn = RequestIn<typeof distribution.importLegacyConsumption>["items"][number];

/** Carries `items` in one request, as `actor` (a superadmin by default). */
export function carry(
  t: DistributionUnderTest,
  items: ItemIn[],
  options: { runId?: string; actor?: Actor } = {},
) {
  return t.env.bus.request(
    distribution.importLegacyConsumption,
    { runId: options.runId ?? newId("run"), items },
    { ctx: { requestId: newId("request"), actor: options.actor ?? superadmin } },
  );
}

/** A migrated license, imported into the real issuer and received by distribution. */
export async function migrated(t: DistributionUnderTest, params: Record<string, unknown> = {}) {
  const guid = randomUUID();
  const { id } = await t.importLegacy(guid, {
    params: { accumulatedUnits: 1_000, unitsPerExecution: 500, availableActivations: 3, ...params },
  });
  return { id, guid };
}

/**
 * A license.issued event for a migrated license distribution has never seen, modelled on the last
 * one the issuer published: publish it with `arrive` to make the license reach the read model.
 */
export async function unseenLicense(t: DistributionUnderTest): Promise<LicenseEvent> {
  await migrated(t);
  const jsm = await jetstreamManager(t.env.nc);
  const stored = await jsm.streams.getMessage(eventStreamName(t.env.prefix), {
    last_by_subj: `${t.env.prefix}.evt.license.issued`,
  });
  return {
    ...stored!.json<LicenseEvent>(),
    licenseId: newId("license"),
    keyHash: randomBytes(32).toString("hex"),
    legacyKeyHash: randomBytes(32).toString("hex"),
  };
}

/**
 * Publishes a license event (license.issued unless told), as the issuer would, and waits until the
 * read model has its serial.
 */
export async function arrive(t: DistributionUnderTest, event: LicenseEvent, name = "license.issued") {
  const eventId = newId("event");
  await jetstream(t.env.nc).publish(`${t.env.prefix}.evt.${name}`, JSON.stringify(event), {
    msgID: eventId,
    headers: envelopeHeaders({
      eventId,
      version: issuerEvents.licenseIssued.version,
      requestId: "req_arrive",
    }),
  });
  await t.synced(event.licenseId, event.serial);
}

export interface Counters {
  units_consumed: number;
  times_downloaded: number;
  active_machines: number;
  /** ISO-8601. */
  last_used_at: string | null;
}

export async function counters(t: DistributionUnderTest, licenseId: string): Promise<Counters> {
  const row = await queryOne<Counters>(
    t.orm,
    `select units_consumed::int, times_downloaded::int, active_machines, last_used_at
     from distribution.licenses where license_id = $1`,
    [licenseId],
  );
  return { ...row!, last_used_at: row!.last_used_at && new Date(row!.last_used_at).toISOString() };
}

export function audits(t: DistributionUnderTest, licenseId: string) {
  return query<{
    action: string;
    target_id: string;
    actor_name: string;
    request_id: string | null;
    reason: string;
  }>(
    t.orm,
    `select action, changes->'runId'->>1 as target_id, actor_name, request_id, reason from distribution.audit_log
      where (entity_type = 'license' and entity_id = $1) or changes->'licenseId'->>0 = $1 order by at`,
    [licenseId],
  );
}

/** The legacy consumption stored for a license; null when none. */
export async function stored(t: DistributionUnderTest, licenseId: string) {
  const row = await queryOne<{ run_id: string; units_consumed: string; applied_at: Date | null }>(
    t.orm,
    "select run_id, units_consumed, applied_at from distribution.legacy_consumption where license_id = $1",
    [licenseId],
  );
  return row ?? null;
}
