import { AppError, defineEndpoint } from "@licensing/contracts";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { apiContentSecurityPolicy, httpServerOptions, installHttpEdge } from "../src/http/index.ts";
import {
  createBusService,
  type MetricsServer,
  type RunningService,
  startMetricsServer,
} from "../src/index.ts";

const lookup = defineEndpoint({
  service: "probe",
  subject: "probe.thing.lookup",
  summary: "Finds a thing",
  request: z.object({ name: z.string() }),
  response: z.object({ name: z.string() }),
  errors: ["not_found"],
});

let env: TestEnv;
let service: RunningService;
let metrics: MetricsServer;
let app: FastifyInstance;

beforeAll(async () => {
  env = await createTestEnv();
  metrics = (await startMetricsServer("probe", 0, env.log))!;
  service = createBusService({
    nc: await env.connect("probe"),
    prefix: env.prefix,
    name: "probe",
    version: "1.0.0",
    description: "test service",
    log: env.log,
    endpoints: (server) =>
      server.add(lookup, async ({ name }) => {
        if (name === "nothing") throw AppError.notFound("Thing", name);
        return { name };
      }),
  });
  await service.start();
  app = Fastify(httpServerOptions({ log: env.log as FastifyBaseLogger, trustProxy: false, bodyLimit: 1024 }));
  installHttpEdge(app, {
    who: "probe",
    contentSecurityPolicy: () => apiContentSecurityPolicy,
    strictTransportSecurity: () => false,
  });
  app.get<{ Params: { name: string } }>("/things/:name", async (request) => ({ name: request.params.name }));
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await service?.stop();
  await metrics?.close();
  await env?.stop();
});

const scrape = async () => {
  const response = await fetch(`http://127.0.0.1:${metrics.port}/metrics`);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
  return response.text();
};

describe("/metrics", () => {
  it("counts bus requests by endpoint and outcome, with their latency", async () => {
    await env.bus.request(lookup, { name: "one" });
    await env.bus.request(lookup, { name: "two" });
    await expect(env.bus.request(lookup, { name: "nothing" })).rejects.toMatchObject({ code: "not_found" });
    const text = await scrape();
    expect(text).toContain(
      'lic_bus_requests_total{endpoint="probe.thing.lookup",code="ok",service="probe"} 2',
    );
    expect(text).toContain(
      'lic_bus_requests_total{endpoint="probe.thing.lookup",code="not_found",service="probe"} 1',
    );
    expect(text).toMatch(
      /lic_bus_request_duration_seconds_count\{service="probe",endpoint="probe.thing.lookup"\} 3/,
    );
    expect(text).toContain("process_cpu_seconds_total");
  });

  it("counts HTTP requests by route pattern, not by path", async () => {
    await app.inject({ method: "GET", url: "/things/a" });
    await app.inject({ method: "GET", url: "/things/b" });
    await app.inject({ method: "GET", url: "/nowhere" });
    const text = await scrape();
    expect(text).toContain(
      'lic_http_requests_total{route="/things/:name",method="GET",status="200",service="probe"} 2',
    );
    expect(text).toContain(
      'lic_http_requests_total{route="(no route)",method="GET",status="404",service="probe"} 1',
    );
  });

  it("serves nothing else", async () => {
    expect((await fetch(`http://127.0.0.1:${metrics.port}/`)).status).toBe(404);
  });
});
