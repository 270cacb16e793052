// The floor of issuing a license as the architecture asks it, started by the issuer bench: a process
// of its own answering requests on the bus, doing only what every license needs. Per request it
// checks the operator's assertion by its tag, makes and seals a key, signs the file, writes the
// license's four rows grouped as the issuer groups them (one statement a batch), answers with an
// issuer's answer once they are committed; then publishes each event to JetStream and deletes its
// outbox row, as the relay does. No schemas, no drafting, no ORM, no audit chain, no catalog.
//
//   FLOOR_SETUP=<json: FloorSetup> DATABASE_URL=… NATS_URL=… node bench/issuance-floor-service.ts
import { createPrivateKey } from "node:crypto";
import type { ActorKeys } from "@licensing/bus";
import type { Actor } from "@licensing/contracts";
import { contextHeaders } from "@licensing/contracts";
import { GroupCommit } from "@licensing/platform";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
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
  /** The bench's test keys of the issuer (base64): the service checks tags made for them. */
  issuerKey: string;
  trustedKeys: { signer: string; publicKey: string }[];
}

const setup = JSON.parse(process.env.FLOOR_SETUP!) as FloorSetup;
const nc = await connect({ servers: process.env.NATS_URL!, noAsyncTraces: true });
const db = new pg.Pool({ connectionString: process.env.DATABASE_URL!, max: 20 });
const js = jetstream(nc);
const crypto = licenseCryptography(
  Buffer.from(setup.message, "base64"),
  createPrivateKey({ key: Buffer.from(setup.privateKey, "base64"), format: "der", type: "pkcs8" }),
  setup.actor,
  (() => {
    const issuer: ActorKeys = {
      signing: { signer: "issuer", privateKey: Buffer.from(setup.issuerKey, "base64") },
      trusted: setup.trustedKeys.map((key) => ({
        signer: key.signer,
        publicKey: Buffer.from(key.publicKey, "base64"),
      })),
    };
    return { caller: issuer, issuer };
  })(),
);
// Fresh ids from 10⁹ on: the bench's own floor counts from 1 in the same tables.
const rows = floorRows(setup.sample, 1_000_000_000);
const answer = new TextEncoder().encode(setup.answer);
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
      const requestId = message.headers?.get(contextHeaders.requestId) ?? "";
      crypto.checkTag(
        message.headers?.get(contextHeaders.actor) ?? "",
        requestId,
        message.headers?.get(contextHeaders.actorTag) ?? "",
      );
      message.json();
      crypto.sealKey();
      crypto.signFile();
      await committer.submit(rows.next());
      message.respond(answer);
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
