import { BodyStore, BusClient, bodyBucketName } from "@licensing/bus";
import { defineEndpoint } from "@licensing/contracts";
import { type NatsCluster, startNatsCluster } from "@licensing/testing";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  connectNats,
  createBusService,
  createLogger,
  DeadLetters,
  deadLetterStreamName,
  ensureEventStream,
  type RunningService,
} from "../src/index.ts";

// The platform on a three-node NATS cluster, as production runs it: what it creates in JetStream
// is kept at R3 (NATS_STREAM_REPLICAS=3), and services ride out the loss of the node they talk to.

const echo = defineEndpoint({
  service: "probe",
  subject: "probe.thing.echo",
  summary: "Echo",
  request: z.object({ text: z.string() }),
  response: z.object({ text: z.string() }),
  errors: [],
});

const log = createLogger("test", process.env.TEST_LOG_LEVEL ?? "silent");
const prefix = "cluster";
let cluster: NatsCluster;
let serviceNc: NatsConnection;
let clientNc: NatsConnection;
let service: RunningService;

beforeAll(async () => {
  cluster = await startNatsCluster(3);
  // The service talks to the first node, the client to the second (each knows them all).
  serviceNc = await connectNats([cluster.urls[0], cluster.urls[1], cluster.urls[2]].join(","), "probe", log, {
    streamReplicas: 3,
  });
  clientNc = await connectNats([cluster.urls[1], cluster.urls[2], cluster.urls[0]].join(","), "client", log, {
    streamReplicas: 3,
  });
  service = createBusService({
    nc: serviceNc,
    prefix,
    name: "probe",
    version: "1.0.0",
    description: "test service",
    log,
    endpoints: (server) => server.add(echo, async (request) => ({ text: request.text })),
  });
  await service.start();
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await serviceNc?.close();
  await clientNc?.close();
  await cluster?.stop();
});

describe("on a three-node NATS cluster", () => {
  it("keeps the event stream, the dead letters and the large bodies at three replicas", async () => {
    const events = await ensureEventStream(serviceNc, prefix);
    await new DeadLetters(serviceNc, prefix).ensureStream();
    await new BodyStore(serviceNc, prefix, "events").put(
      { big: "x".repeat(2 * 1024 * 1024) },
      "a probe",
      "one",
    );
    const jsm = await jetstreamManager(clientNc);
    for (const name of [events, deadLetterStreamName(prefix), `OBJ_${bodyBucketName(prefix, "events")}`]) {
      const info = await jsm.streams.info(name);
      expect({ name, replicas: info.config.num_replicas }).toEqual({ name, replicas: 3 });
      await expect.poll(async () => (await jsm.streams.info(name)).cluster?.replicas?.length).toBe(2);
    }
  });

  it("answers requests and takes events while the node the service is on is down", async () => {
    const bus = new BusClient(clientNc, { prefix, timeoutMs: 5_000 });
    expect(await bus.request(echo, { text: "before" })).toEqual({ text: "before" });
    const serviceServer = serviceNc.getServer();
    const down = cluster.urls.indexOf(`nats://${serviceServer}`);
    expect(down).toBeGreaterThanOrEqual(0);
    await cluster.kill(down);
    // The service reconnects to another node; until it has, a request may find no responder.
    await expect
      .poll(() => bus.request(echo, { text: "during" }).catch(() => null), { timeout: 20_000 })
      .toEqual({
        text: "during",
      });
    expect(serviceNc.getServer()).not.toBe(serviceServer);
    // Two of three replicas are a quorum: once they have elected a leader (if the lost node led the
    // stream), a publish to the event stream is acknowledged again, as the outbox relay retries it.
    const publish = () =>
      jetstream(clientNc)
        .publish(`${prefix}.evt.probe.happened`, "{}", { msgID: "during-loss" })
        .then((ack) => ack.stream)
        .catch(() => null);
    await expect.poll(publish, { timeout: 20_000 }).toBe(`${prefix.toUpperCase()}_EVENTS`);
    await cluster.restart(down);
    expect(await bus.request(echo, { text: "after" })).toEqual({ text: "after" });
  });
});
