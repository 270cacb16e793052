import { EndpointServer, type ErrorClassifier } from "@licensing/bus";
import { type Service, Svcm } from "@nats-io/services";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { observeBusRequest } from "./metrics.ts";

/** Something that runs beside the endpoints for the life of the service (a relay, a consumer, a schedule). */
export interface Worker {
  start(): void | Promise<void>;
  stop(): Promise<void>;
  /** Figures for `$SRV.STATS` (an event consumer's events handled and dead-lettered). */
  stats?(): unknown;
}

export interface BusServiceOptions {
  nc: NatsConnection;
  prefix: string;
  name: string;
  version: string;
  description: string;
  log: Logger;
  classifyError?: ErrorClassifier;
  /** Adds the service's endpoints to the adapter. */
  endpoints: (server: EndpointServer) => void;
  workers?: Worker[];
  /** Extra figures for `$SRV.STATS` (e.g. a schedule's state); the workers' come under `workers`. */
  stats?: () => Promise<Record<string, unknown>>;
}

export interface RunningService {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A service on the bus: registered with the NATS service framework (so `$SRV.PING/INFO/STATS` list
 * it), its endpoints queue-grouped by service name so replicas share the load. `stop()` first stops
 * taking requests, then waits for those in flight and for the workers; the caller then drains NATS
 * and closes the database.
 */
export function createBusService(options: BusServiceOptions): RunningService {
  const { nc, prefix, name, version, description, log, workers = [] } = options;
  let service: Service | undefined;
  let server: EndpointServer | undefined;
  const reporting = workers.filter((worker) => worker.stats);
  const stats =
    options.stats || reporting.length > 0
      ? async () => ({
          ...(await options.stats?.()),
          ...(reporting.length > 0 ? { workers: reporting.map((worker) => worker.stats!()) } : {}),
        })
      : undefined;

  return {
    async start() {
      service = await new Svcm(nc).add({
        name,
        version,
        description,
        metadata: { prefix },
        ...(stats ? { statsHandler: stats } : {}),
      });
      server = new EndpointServer({
        service,
        nc,
        prefix,
        queue: name,
        log,
        observe: observeBusRequest,
        ...(options.classifyError ? { classifyError: options.classifyError } : {}),
      });
      options.endpoints(server);
      // The subscriptions are in place on the server before start() returns.
      await nc.flush();
      for (const worker of workers) await worker.start();
      log.info({ endpoints: service.info().endpoints.map((e) => e.subject) }, `${name} service started`);
    },
    async stop() {
      await service?.stop();
      await server?.settled();
      await Promise.all(workers.map((worker) => worker.stop()));
      log.info(`${name} service stopped`);
    },
  };
}
