import { type BusIdentity, busIdentities } from "./bus-actors.ts";
import type { Endpoint } from "./endpoint.ts";
import { type EventType, eventSubject } from "./event.ts";

// Who may do what on the bus, written once: the NATS server's authorization (deploy/nats-auth.ts
// turns it into server configuration) and the tests that attack it both read this table. Requests
// come from the endpoint definitions (their `callers`, the gateway by default), events from the
// event registry (their publisher) and the readers below; the rest is what the platform's plumbing
// needs (JetStream streams and the object stores of large bodies). docs/operations.md, "The bus".

/** Identities that run a service on the bus (answer requests, register with `$SRV`). */
export const serviceIdentities: readonly BusIdentity[] = busIdentities.filter((i) => i !== "license-server");

/** Who may call `endpoint`: its own list, else the gateway (operator endpoints). */
export function callersOf(endpoint: Endpoint): readonly BusIdentity[] {
  return endpoint.callers ?? ["gateway"];
}

/** A durable event consumer: its identity, its name (durables `<name>-<entity>`), the entities it reads. */
export interface EventReader {
  identity: BusIdentity;
  consumer: string;
  entities: readonly string[];
}

/** The event consumers of the platform (EventConsumer names in the services). */
export const eventReaders: readonly EventReader[] = [
  { identity: "distribution", consumer: "distribution", entities: ["license", "signing-key", "release"] },
  { identity: "issuer", consumer: "issuer-catalog-sync", entities: ["account", "product"] },
];

/** A NATS user's permissions: subjects it may publish and subscribe to. */
export interface SubjectPermissions {
  publish: string[];
  subscribe: string[];
  /** May answer requests sent to it (a reply subject it was given), once each. */
  allowResponses: boolean;
}

/** The stream and object store names of a deployment (`lic` → `LIC_EVENTS`). */
export function streamNames(prefix: string) {
  const upper = prefix.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  return {
    events: `${upper}_EVENTS`,
    deadLetters: `${upper}_DEAD_LETTERS`,
    licenseFiles: `${upper}_LICENSE_FILES`,
    releases: `${upper}_RELEASES`,
    /** The key-value bucket of release upload locks, shared by the gateway's replicas. */
    uploadLocks: `${upper}_UPLOAD_LOCKS`,
    bodies: {
      messages: `${upper}_BODIES`,
      events: `${upper}_EVENT_BODIES`,
      licenseFiles: `${upper}_LICENSE_FILE_BODIES`,
      deadLetters: `${upper}_DEAD_LETTER_BODIES`,
    },
  };
}

/** Each identity's own reply subjects: `connectNats` sets this inbox prefix, so no one reads another's. */
export function inboxPrefixOf(identity: string): string {
  return `_INBOX_${identity.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

const api = "$JS.API";

/** Creating, checking and updating a stream (every service brings the ones it uses up at start). */
function manageStream(stream: string): string[] {
  return [`${api}.STREAM.INFO.${stream}`, `${api}.STREAM.CREATE.${stream}`, `${api}.STREAM.UPDATE.${stream}`];
}

/** Reading from a stream through consumers it creates, named `consumer`, filtered as `filter`. */
function consume(stream: string, consumer: string, filter: string): string[] {
  return [
    `${api}.CONSUMER.CREATE.${stream}.${consumer}.${filter}`,
    `${api}.CONSUMER.INFO.${stream}.${consumer}`,
    `${api}.CONSUMER.MSG.NEXT.${stream}.${consumer}`,
    `$JS.ACK.${stream}.${consumer}.>`,
  ];
}

/**
 * An object store of large bodies, read and written (put, get, delete). Anyone with these subjects
 * can read any body in the bucket by its name: bodies are named by random ids, and the buckets of
 * request bodies are shared by every service (docs/operations.md says so).
 */
function objectStore(bucket: string): string[] {
  const stream = `OBJ_${bucket}`;
  return [
    ...manageStream(stream),
    `${api}.STREAM.PURGE.${stream}`,
    `${api}.STREAM.MSG.GET.${stream}`,
    `${api}.DIRECT.GET.${stream}.>`,
    `${api}.CONSUMER.CREATE.${stream}.*.$O.${bucket}.C.*`,
    `${api}.CONSUMER.DELETE.${stream}.*`,
    `$JS.FC.${stream}.>`,
    `$O.${bucket}.C.>`,
    `$O.${bucket}.M.>`,
  ];
}

/** A key-value bucket, read and written (create, update, conditional delete), and brought up at start. */
function keyValue(bucket: string): string[] {
  const stream = `KV_${bucket}`;
  return [
    ...manageStream(stream),
    `${api}.STREAM.MSG.GET.${stream}`,
    `${api}.DIRECT.GET.${stream}.>`,
    `$KV.${bucket}.>`,
  ];
}

/**
 * The subject permissions of every identity in the deployment of `prefix`, derived from the
 * endpoints and events given (the registry's: `allEndpoints`, `allEvents` with their publishers).
 */
export function busPermissions(
  prefix: string,
  endpoints: readonly Endpoint[],
  events: readonly { publisher: BusIdentity; event: EventType }[],
): Record<BusIdentity, SubjectPermissions> {
  const names = streamNames(prefix);
  const table = Object.fromEntries(
    busIdentities.map((identity) => [
      identity,
      {
        publish: [] as string[],
        subscribe: [`${inboxPrefixOf(identity)}.>`],
        allowResponses: serviceIdentities.includes(identity),
      },
    ]),
  ) as Record<BusIdentity, SubjectPermissions>;

  for (const identity of serviceIdentities) {
    const own = table[identity];
    // JetStream's account info (every JetStream client asks it first) and the NATS service framework.
    own.publish.push(`${api}.INFO`);
    own.subscribe.push("$SRV.*", `$SRV.*.${identity}`, `$SRV.*.${identity}.*`);
    // Every service brings the event stream up at start, and passes large requests and answers by reference.
    own.publish.push(...manageStream(names.events), ...objectStore(names.bodies.messages));
  }
  // The gateway's readiness asks every service on the bus for a ping.
  table.gateway.publish.push("$SRV.PING", "$SRV.PING.*");
  // Its replicas share the locks of release uploads, and ask each other to let one go.
  table.gateway.publish.push(...keyValue(names.uploadLocks), `${prefix}.upload-locks.>`);
  table.gateway.subscribe.push(`${prefix}.upload-locks.>`);

  for (const endpoint of endpoints) {
    const subject = `${prefix}.${endpoint.subject}`;
    const server = endpoint.service as BusIdentity;
    if (table[server]) table[server].subscribe.push(subject);
    for (const caller of callersOf(endpoint)) table[caller].publish.push(subject);
  }

  for (const { publisher, event } of events) {
    table[publisher].publish.push(`${prefix}.${eventSubject(event)}`);
  }
  for (const publisher of new Set(events.map((e) => e.publisher))) {
    table[publisher].publish.push(...objectStore(names.bodies.events));
  }

  for (const reader of eventReaders) {
    const own = table[reader.identity];
    for (const entity of reader.entities) {
      own.publish.push(...consume(names.events, `${reader.consumer}-${entity}`, `${prefix}.evt.${entity}.>`));
    }
    // Events it cannot handle go to the dead letters, with their bodies.
    own.publish.push(
      ...objectStore(names.bodies.events),
      ...manageStream(names.deadLetters),
      `${prefix}.dead-letter.${reader.consumer}.>`,
      ...objectStore(names.bodies.deadLetters),
    );
  }

  // The hand-off: distribution writes the license-files and releases streams (their large items in
  // one bodies bucket), the license server alone reads them.
  for (const [stream, feed] of [
    [names.licenseFiles, "license-files"],
    [names.releases, "releases"],
  ] as const) {
    table.distribution.publish.push(
      ...manageStream(stream),
      `${api}.STREAM.MSG.GET.${stream}`,
      `${api}.DIRECT.GET.${stream}.>`,
      `${prefix}.${feed}.>`,
    );
    table["license-server"].publish.push(
      `${api}.STREAM.INFO.${stream}`,
      `${api}.CONSUMER.CREATE.${stream}.>`,
      `${api}.CONSUMER.INFO.${stream}.*`,
      `${api}.CONSUMER.MSG.NEXT.${stream}.*`,
      `${api}.CONSUMER.DELETE.${stream}.*`,
      `$JS.ACK.${stream}.>`,
      `$JS.FC.${stream}.>`,
    );
  }
  table.distribution.publish.push(
    ...objectStore(names.bodies.licenseFiles),
    // Its replicas share rate-limit counts.
    `${prefix}.distribution.rate-limits`,
  );
  table.distribution.subscribe.push(`${prefix}.distribution.rate-limits`);
  table["license-server"].publish.push(
    `${api}.INFO`,
    `${api}.STREAM.INFO.OBJ_${names.bodies.licenseFiles}`,
    `${api}.STREAM.MSG.GET.OBJ_${names.bodies.licenseFiles}`,
    `${api}.DIRECT.GET.OBJ_${names.bodies.licenseFiles}.>`,
    `${api}.CONSUMER.CREATE.OBJ_${names.bodies.licenseFiles}.*.$O.${names.bodies.licenseFiles}.C.*`,
    `${api}.CONSUMER.DELETE.OBJ_${names.bodies.licenseFiles}.*`,
    `$JS.FC.OBJ_${names.bodies.licenseFiles}.>`,
  );

  for (const own of Object.values(table)) {
    own.publish = [...new Set(own.publish)].sort();
    own.subscribe = [...new Set(own.subscribe)].sort();
  }
  return table;
}
