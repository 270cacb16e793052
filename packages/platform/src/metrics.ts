// Prometheus metrics of a service process, in prom-client's default registry (one per process):
// every bus request by endpoint and code, every HTTP request by route and status, each with its
// latency, and Node's own (CPU, memory, event loop, GC). Served on METRICS_PORT, apart from the
// service's public port: what a service measures is for the operators' Prometheus, not its users.
import { createServer, type Server } from "node:http";
import { Counter, collectDefaultMetrics, Histogram, register } from "prom-client";
import type { Logger } from "./logger.ts";

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const busRequests = new Counter({
  name: "lic_bus_requests_total",
  help: "Bus requests answered, by endpoint subject and outcome (ok or the error code)",
  labelNames: ["endpoint", "code"] as const,
});
const busLatency = new Histogram({
  name: "lic_bus_request_duration_seconds",
  help: "Time from taking a bus request to answering it",
  labelNames: ["endpoint"] as const,
  buckets: latencyBuckets,
});
const httpRequests = new Counter({
  name: "lic_http_requests_total",
  help: "HTTP requests answered, by route pattern, method and status",
  labelNames: ["route", "method", "status"] as const,
});
const httpLatency = new Histogram({
  name: "lic_http_request_duration_seconds",
  help: "Time from receiving an HTTP request to answering it",
  labelNames: ["route", "method"] as const,
  buckets: latencyBuckets,
});

const eventsHandled = new Counter({
  name: "lic_events_handled_total",
  help: "Events a consumer handled (or skipped as already handled), by consumer",
  labelNames: ["consumer"] as const,
});
const deadLetters = new Counter({
  name: "lic_dead_letters_total",
  help: "Events a consumer gave up on, sent to the dead-letter stream, by consumer and reason",
  labelNames: ["consumer", "reason"] as const,
});

const rateLimitKeysShed = new Counter({
  name: "lic_rate_limit_keys_shed_total",
  help: "Rate-limit keys dropped from a replica's counts to stay under its cap (their clients start again from 0)",
});

let defaultsCollected = false;

/** Records a rate-limit key dropped to keep the counts under their cap (alert on a steady increase). */
export function observeRateLimitKeyShed(): void {
  rateLimitKeysShed.inc();
}

/** Records an event a consumer handled. */
export function observeEventHandled(consumer: string): void {
  eventsHandled.inc({ consumer });
}

/**
 * Starts a consumer's dead-letter series at 0 for each reason: `increase()` cannot see a series'
 * first sample, so the first dead letter of a reason would otherwise never fire the alert.
 */
export function observeConsumerStarted(consumer: string, reasons: readonly string[]): void {
  for (const reason of reasons) deadLetters.inc({ consumer, reason }, 0);
}

/** Records a dead letter (alert on any increase). */
export function observeDeadLetter(consumer: string, reason: string): void {
  deadLetters.inc({ consumer, reason });
}

/** Records one answered bus request (EndpointServer's `observe`). */
export function observeBusRequest(endpoint: string, code: string, seconds: number): void {
  busRequests.inc({ endpoint, code });
  busLatency.observe({ endpoint }, seconds);
}

/** Records one answered HTTP request; `route` is the route's pattern (`/v1/licenses/:key`), never the path. */
export function observeHttpRequest(route: string, method: string, status: number, seconds: number): void {
  httpRequests.inc({ route, method, status: String(status) });
  httpLatency.observe({ route, method }, seconds);
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` in Prometheus' text format on `port` (0: a free one), labelled with the
 * service's name. Without a port (METRICS_PORT unset) nothing listens and nothing is served.
 */
export async function startMetricsServer(
  service: string,
  port: number | undefined,
  log: Logger,
): Promise<MetricsServer | undefined> {
  if (port === undefined) return undefined;
  register.setDefaultLabels({ service });
  if (!defaultsCollected) {
    collectDefaultMetrics();
    defaultsCollected = true;
  }
  const server: Server = createServer((request, response) => {
    if (request.method !== "GET" || request.url !== "/metrics") {
      response.writeHead(404).end();
      return;
    }
    register.metrics().then(
      (text) => response.writeHead(200, { "content-type": register.contentType }).end(text),
      (error: unknown) => {
        log.error({ err: error }, "metrics could not be collected");
        response.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, resolve);
  });
  const bound = (server.address() as { port: number }).port;
  log.info({ port: bound }, `metrics on http://0.0.0.0:${bound}/metrics`);
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
