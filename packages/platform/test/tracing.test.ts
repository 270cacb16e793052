import { createServer, type Server } from "node:http";
import { defineEndpoint } from "@licensing/contracts";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import type { MsgHdrs } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { baseConfig, ConfigError, loadConfig } from "../src/config.ts";
import {
  createBusService,
  createLogger,
  type RunningService,
  startTracing,
  type Tracing,
} from "../src/index.ts";

// Tracing on and off in one process, against a real NATS and a local HTTP server standing in for
// an OTLP collector. (The spans of the gateway, the issuer and distribution together:
// modules/crm/gateway/test/traces.test.ts.)
const echo = defineEndpoint({
  service: "probe",
  subject: "probe.thing.echo",
  summary: "Echoes",
  request: z.object({ name: z.string() }),
  response: z.object({ name: z.string() }),
  errors: [],
});

let env: TestEnv;
let service: RunningService;
let collector: Server;
let collectorUrl: string;
const received: { path: string; body: string }[] = [];
/** The headers of every echo request, as the endpoint's side received them. */
const seenHeaders: (MsgHdrs | undefined)[] = [];
const lines: Record<string, unknown>[] = [];
let tracing: Tracing | undefined;

beforeAll(async () => {
  env = await createTestEnv();
  const log = createLogger("probe", "info", {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  const nc = await env.connect("probe");
  // Before the service's own subscription: sees the request's headers as they travel.
  nc.subscribe(`${env.prefix}.${echo.subject}`, {
    callback: (_err, msg) => {
      seenHeaders.push(msg.headers);
    },
  });
  service = createBusService({
    nc,
    prefix: env.prefix,
    name: "probe",
    version: "1.0.0",
    description: "test service",
    log,
    endpoints: (server) =>
      server.add(echo, async ({ name }, ctx) => {
        ctx.log.info({ name }, "echoing");
        return { name };
      }),
  });
  await service.start();
  collector = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString("latin1");
    });
    request.on("end", () => {
      received.push({ path: request.url ?? "", body });
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  collectorUrl = `http://127.0.0.1:${(collector.address() as { port: number }).port}`;
});
afterEach(async () => {
  await tracing?.stop();
  tracing = undefined;
  received.length = 0;
  seenHeaders.length = 0;
  lines.length = 0;
});
afterAll(async () => {
  await service?.stop();
  collector?.close();
  await env?.stop();
});

describe("tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)", () => {
  it("registers nothing, sends no trace header, logs no trace id and exports nothing", async () => {
    tracing = startTracing({ service: "probe", endpoint: undefined });
    expect(tracing.enabled).toBe(false);
    await env.bus.request(echo, { name: "quiet" });
    expect(seenHeaders[0]?.get("traceparent")).toBe("");
    const echoed = lines.find((line) => line.msg === "echoing");
    expect(echoed).toBeDefined();
    expect(echoed).not.toHaveProperty("trace_id");
    await tracing.stop();
    expect(received).toEqual([]);
  });
});

describe("tracing on (OTEL_EXPORTER_OTLP_ENDPOINT set)", () => {
  it("sends the trace context with the request and logs its ids on the answering side", async () => {
    tracing = startTracing({ service: "probe", endpoint: collectorUrl });
    await env.bus.request(echo, { name: "traced" });
    const traceparent = seenHeaders[0]?.get("traceparent") ?? "";
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [, traceId] = traceparent.split("-");
    expect(lines.find((line) => line.msg === "echoing")).toMatchObject({
      trace_id: traceId,
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      requestId: expect.stringMatching(/^req_/),
    });
  });

  it("exports the spans over OTLP/HTTP to <endpoint>/v1/traces with the service's name", async () => {
    tracing = startTracing({ service: "probe", endpoint: `${collectorUrl}/` });
    await env.bus.request(echo, { name: "exported" });
    await tracing.stop();
    expect(received.map((r) => r.path)).toContain("/v1/traces");
    const body = received.map((r) => r.body).join("");
    expect(body).toContain("service.name");
    expect(body).toContain("probe");
    expect(body).toContain("probe.thing.echo");
  });

  it("samples the traces that start here at OTEL_TRACES_SAMPLE_RATIO, and keeps a caller's decision", async () => {
    tracing = startTracing({ service: "probe", endpoint: collectorUrl, sampleRatio: 0 });
    await env.bus.request(echo, { name: "not sampled" });
    // The context still travels (flags 00: not recorded), so a trace is whole or absent downstream.
    expect(seenHeaders[0]?.get("traceparent")).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    // Its log lines still carry the trace id: logs correlate across services for every request.
    const [, traceId] = (seenHeaders[0]?.get("traceparent") ?? "").split("-");
    expect(lines.find((line) => line.msg === "echoing")).toMatchObject({ trace_id: traceId });
    await tracing.stop();
    expect(received.map((r) => r.body).join("")).not.toContain("probe.thing.echo");
    expect(loadConfig(baseConfig, { OTEL_TRACES_SAMPLE_RATIO: "0.25" }).OTEL_TRACES_SAMPLE_RATIO).toBe(0.25);
    expect(() => loadConfig(baseConfig, { OTEL_TRACES_SAMPLE_RATIO: "2" })).toThrow(ConfigError);
  });

  it("refuses a second registration in the same process", () => {
    tracing = startTracing({ service: "probe", endpoint: collectorUrl });
    expect(() => startTracing({ service: "again", endpoint: collectorUrl })).toThrow(/already started/);
  });
});

describe("OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  it("must be an http(s) URL, named when it is not", () => {
    expect(() => loadConfig(baseConfig, { OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig(baseConfig, { OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    expect(
      loadConfig(baseConfig, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel:4318" }).OTEL_EXPORTER_OTLP_ENDPOINT,
    ).toBe("http://otel:4318");
  });
});
