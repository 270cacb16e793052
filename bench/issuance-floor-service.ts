// The floor of issuing a license as the architecture asks it, started by the issuer bench: a process
// of its own answering requests on the bus, doing only what every license needs. Per request it
// checks the operator's assertion by its tag, makes and seals a key, signs the file, writes the
// license's four rows grouped as the issuer groups them (one statement a batch), answers with an
// issuer's answer once they are committed (a request for `count` licenses makes them all, then writes
// them in one statement); then publishes each event to JetStream and deletes its
// outbox row, as the relay does. No schemas, no drafting, no ORM, no audit chain, no catalog.
//
//   FLOOR_SETUP=<json: FloorSetup> DATABASE_URL=… NATS_URL=… BUS_ACTOR_KEY=… BUS_ACTOR_TRUSTED_KEYS=…
//   node bench/issuance-floor-service.ts      (started by bench/issuer.bench.ts, with the issuer's test keys)
import { createPrivateKey } from "node:crypto";
import { actorKeysOf, contextFromHeaders } from "@licensing/bus";
import type { Actor } from "@licensing/contracts";
import {
  baseConfig,
  connectNats,
  createLogger,
  databaseConfig,
  GroupCommit,
  loadConfig,
  natsOptionsFrom,
} from "@licensing/platform";
import { jetstream } from "@nats-io/jetstream";
import pg from "pg";
import { type FloorLicense, type FloorSample, floorRows, licenseCryptography } from "./issuance-floor.ts";

export interface FloorSetup {
  /** Where requests come. */
  subject: string;
  /** Where events go (a subject of the event stream). */
  eventSubject: string;
  sample: FloorSample;
  /** The event's payload (JSON text) and the answer (JSON text) of the sample license. */
  eventPayload: string;
  answer: string;
  /** The license's canonical JSON, and the signing key (PKCS #8, DER), both base64. */
  message: string;
  privateKey: string;
  actor: Actor;
}

const setup = JSON.parse(process.env.FLOOR_SETUP!) as FloorSetup;
// Connected as a service connects: the issuer's actor keys from its environment (BUS_ACTOR_KEY…).
const config = loadConfig(baseConfig.extend(databaseConfig.shape));
const nc = await connectNats(
  config.NATS_URL,
  "issuer",
  createLogger("floor", "warn"),
  natsOptionsFrom(config),
);
const keys = actorKeysOf(nc);
const db = new pg.Pool({ connectionString: config.DATABASE_URL, max: 20 });
const js = jetstream(nc);
const crypto = licenseCryptography(
  Buffer.from(setup.message, "base64"),
  createPrivateKey({ key: Buffer.from(setup.privateKey, "base64"), format: "der", type: "pkcs8" }),
  setup.actor,
);
// Fresh ids from 10⁹ on: the bench's own floor counts from 1 in the same tables.
const rows = floorRows(setup.sample, 1_000_000_000);
const answer = new TextEncoder().encode(setup.answer);
// A batch's answer: the sample license as many times as asked, under one batch id.
const sampleLicense = (JSON.parse(setup.answer) as { licenses: unknown[] }).licenses[0];
const batchAnswers = new Map<number, Uint8Array>();
const batchAnswer = (count: number) => {
  let bytes = batchAnswers.get(count);
  if (!bytes) {
    const licenses = Array.from({ length: count }, () => sampleLicense);
    bytes = new TextEncoder().encode(JSON.stringify({ batchId: "bat_floor", licenses }));
    batchAnswers.set(count, bytes);
  }
  return bytes;
};
const eventPayload = new TextEncoder().encode(setup.eventPayload);

// After each commit, as the relay: publish its events (acknowledged), then delete their rows.
let relaying: Promise<unknown> = Promise.resolve();
const relay = (eventIds: string[]) => {
  relaying = relaying.then(async () => {
    await Promise.all(eventIds.map((id) => js.publish(setup.eventSubject, eventPayload, { msgID: id })));
    await db.query("delete from bench_fair.outbox where id = any($1)", [eventIds]);
  });
};
const committer = new GroupCommit<FloorLicense, undefined>(
  async (licenses) => {
    await rows.insert(db, licenses);
    relay(licenses.map((license) => license.eventId));
    return licenses.map(() => undefined);
  },
  { maxBatch: 64, concurrency: 2 },
);

nc.subscribe(setup.subject, {
  callback: (error, message) => {
    if (error) throw error;
    void (async () => {
      // The operator checked as every service checks it: by the tag made for this identity.
      contextFromHeaders(message.headers, keys);
      const { count = 1 } = message.json<{ count?: number }>();
      if (count === 1) {
        crypto.sealKey();
        crypto.signFile();
        await committer.submit(rows.next());
        message.respond(answer);
        return;
      }
      // A batch is all or nothing, as the issuer's: every license made, then one statement for all.
      const licenses = Array.from({ length: count }, () => {
        crypto.sealKey();
        crypto.signFile();
        return rows.next();
      });
      await rows.insert(db, licenses);
      relay(licenses.map((license) => license.eventId));
      message.respond(batchAnswer(count));
    })().catch((failure: unknown) => {
      console.error(failure);
      process.exit(1);
    });
  },
});
await nc.flush();
console.log("ready");

process.on("SIGTERM", () => {
  void (async () => {
    await committer.settled();
    await relaying;
    await nc.drain();
    await db.end();
    process.exit(0);
  })();
});
