// The read model meets events of a newer issuer, as in a rolling upgrade: a newer minor version with
// a member it does not know is applied; a license state it does not know is refused and kept as a
// dead letter (never applied by guess, never lost), to replay once distribution knows it. And events
// of an older issuer, which leave out what they did not have (a legacy key alias), change nothing of it.
import { randomUUID } from "node:crypto";
import { eventHeaders, issuerEvents, type LicenseEvent, newId } from "@licensing/contracts";
import { DeadLetters, envelopeHeaders, eventStreamName } from "@licensing/platform";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution();
});
afterAll(() => t?.stop());

/** The license.issued event the issuer published for a license, as it is in the stream. */
async function issuedEvent(licenseId: string): Promise<LicenseEvent> {
  const jsm = await jetstreamManager(t.env.nc);
  const stored = await jsm.streams.getMessage(eventStreamName(t.env.prefix), {
    last_by_subj: `${t.env.prefix}.evt.license.issued`,
  });
  const event = stored!.json<LicenseEvent>();
  expect(event.licenseId).toBe(licenseId);
  expect(stored!.header.get(eventHeaders.version)).toBe(issuerEvents.licenseIssued.version);
  return event;
}

/** Publishes an event as an issuer of a newer release would. */
async function publishAsNewerIssuer(name: string, version: string, payload: unknown): Promise<string> {
  const eventId = newId("event");
  await jetstream(t.env.nc).publish(`${t.env.prefix}.evt.${name}`, JSON.stringify(payload), {
    msgID: eventId,
    headers: envelopeHeaders({ eventId, version, requestId: "req_newer_issuer" }),
  });
  return eventId;
}

describe("license events of a newer issuer", () => {
  it("applies a newer minor's event with a member distribution does not know", async () => {
    const issued = await t.issue();
    const event = await issuedEvent(issued.id);
    await publishAsNewerIssuer("license.suspended", "1.4", {
      ...event,
      state: "suspended",
      reason: "unpaid invoice",
      at: new Date(Date.now() + 1_000).toISOString(),
      suspendedUntil: "2031-01-01T00:00:00Z",
    });
    await t.synced(issued.id, 1, "suspended");
    const download = await t.call("GET", "/v1/license", { key: issued.licenseKey });
    expect(download.json().code).toBe("license_suspended");
  });

  it("keeps an event with a license state it does not know as a dead letter, and leaves the license as it was", async () => {
    const issued = await t.issue();
    const event = await issuedEvent(issued.id);
    const eventId = await publishAsNewerIssuer("license.suspended", "1.5", {
      ...event,
      state: "archived",
      at: new Date(Date.now() + 1_000).toISOString(),
    });
    const deadLetters = new DeadLetters(t.env.nc, t.env.prefix);
    await expect
      .poll(async () => (await deadLetters.list()).find((letter) => letter.eventId === eventId))
      .toMatchObject({
        consumer: "distribution",
        reason: "rejected",
        detail: expect.stringMatching(/^validation_failed: Invalid license\.suspended event: state: /),
        version: "1.5",
        requestId: "req_newer_issuer",
      });
    const download = await t.call("GET", "/v1/license", { key: issued.licenseKey });
    expect(download.statusCode).toBe(200);
  });
});

describe("license events of an older issuer", () => {
  it("keeps a legacy key alias when a 1.0 event, which cannot carry it, brings a newer file", async () => {
    const guid = randomUUID();
    const { id } = await t.importLegacy(guid);
    const jsm = await jetstreamManager(t.env.nc);
    const stored = await jsm.streams.getMessage(eventStreamName(t.env.prefix), {
      last_by_subj: `${t.env.prefix}.evt.license.issued`,
    });
    const { legacyKeyHash: _alias, ...event } = stored!.json<LicenseEvent>();
    expect(event.licenseId).toBe(id);
    await publishAsNewerIssuer("license.renewed", "1.0", {
      ...event,
      serial: 2,
      at: new Date(Date.now() + 1_000).toISOString(),
    });
    await t.synced(id, 2);
    const download = await t.call("GET", "/v1/license", { key: guid });
    expect(download.json()).toMatchObject({ licenseId: id, serial: 2 });
  });
});
