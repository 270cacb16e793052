import type { Account, IssuedLicense } from "@licensing/contracts";
import { type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { createLogger, startTracing, type Tracing } from "@licensing/platform";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DistributionBeside, startDistributionBeside } from "./distribution-beside.ts";

// Traces end to end (issue 15): an operator's request to the gateway, the issuer it reaches over
// NATS, and the event distribution consumes share one trace, with the parents right. Gateway,
// catalog, issuer and distribution are real and run in this process, so one in-memory exporter
// sees every span; a deployment exports them over OTLP, one service.name per process.
const exporter = new InMemorySpanExporter();
const gatewayLines: Record<string, unknown>[] = [];
let tracing: Tracing;
let gw: GatewayUnderTest;
let dist: DistributionBeside;
let account: Account;

const clientTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const clientSpanId = "00f067aa0ba902b7";

beforeAll(async () => {
  tracing = startTracing({ service: "licensing-test", exporter });
  const log = createLogger("gateway", "info", {
    write: (line: string) => void gatewayLines.push(JSON.parse(line) as Record<string, unknown>),
  });
  gw = await startGateway({ issuer: true, activateCrm: true, overrides: { log } });
  dist = await startDistributionBeside(gw);
  await gw.admin.post("/api/products", { code: "collector", name: "Collector" });
  account = (await gw.admin.post("/api/accounts", { type: "customer", name: "Initech" })).json<Account>();
});
afterAll(async () => {
  await dist?.stop();
  await gw?.stop();
  await tracing?.stop();
});

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const inTrace = (traceId: string) =>
  exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);

async function spanNamed(traceId: string, name: string, kind: SpanKind): Promise<ReadableSpan> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const span = inTrace(traceId).find((s) => s.name === name && s.kind === kind);
    if (span) return span;
    if (Date.now() > deadline) {
      const seen = inTrace(traceId).map((s) => `${s.name} (${SpanKind[s.kind]})`);
      throw new Error(`no span ${name} in trace ${traceId}; it holds ${seen.join(", ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("one trace across the hops", () => {
  let issued: IssuedLicense;

  beforeAll(async () => {
    const response = await gw.admin.post(
      "/api/licenses",
      { kind: "commercial", accountId: account.id, products: ["collector"] },
      { traceparent: `00-${clientTraceId}-${clientSpanId}-01` },
    );
    expect(response.statusCode, response.body).toBe(201);
    issued = response.json<{ licenses: IssuedLicense[] }>().licenses[0]!;
    await dist.knows(issued.licenseKey);
  });

  it("continues the client's traceparent in the gateway's server span, named by route", async () => {
    const http = await spanNamed(clientTraceId, "POST /api/licenses", SpanKind.SERVER);
    expect(parentOf(http)).toBe(clientSpanId);
    expect(http.attributes).toMatchObject({
      "http.route": "/api/licenses",
      "http.response.status_code": 201,
    });
  });

  it("makes the bus request a client span of the HTTP span, answered by a server span of it", async () => {
    const http = await spanNamed(clientTraceId, "POST /api/licenses", SpanKind.SERVER);
    const call = await spanNamed(clientTraceId, "issuer.license.create", SpanKind.CLIENT);
    const answer = await spanNamed(clientTraceId, "issuer.license.create", SpanKind.SERVER);
    expect(parentOf(call)).toBe(http.spanContext().spanId);
    expect(parentOf(answer)).toBe(call.spanContext().spanId);
    expect(answer.attributes["lic.code"]).toBe("ok");
    expect(answer.attributes["lic.request_id"]).toBe(http.attributes["lic.request_id"]);
  });

  it("continues it in distribution's handling of the event the issuer recorded", async () => {
    const answer = await spanNamed(clientTraceId, "issuer.license.create", SpanKind.SERVER);
    const consumed = await spanNamed(clientTraceId, "process license.issued", SpanKind.CONSUMER);
    // Recorded by the issuer while it answered: the event's outbox row kept that span's context.
    const ancestors = new Set<string>();
    const byId = new Map(inTrace(clientTraceId).map((s) => [s.spanContext().spanId, s]));
    for (let at = parentOf(consumed); at; at = byId.get(at) && parentOf(byId.get(at)!)) ancestors.add(at);
    expect(ancestors).toContain(answer.spanContext().spanId);
  });

  it("puts the trace and span ids on the request's log lines, beside its request id", async () => {
    const http = await spanNamed(clientTraceId, "POST /api/licenses", SpanKind.SERVER);
    const access = gatewayLines.find((line) => line.msg === "request" && line.url === "/api/licenses");
    expect(access).toMatchObject({
      requestId: http.attributes["lic.request_id"],
      trace_id: clientTraceId,
      span_id: http.spanContext().spanId,
    });
  });

  it("keeps each request's trace for its event when the issuer writes concurrent ones in one batch", async () => {
    const traceIds = ["a", "b", "c", "d"].map((c) => c.repeat(32));
    const responses = await Promise.all(
      traceIds.map((traceId) =>
        gw.admin.post(
          "/api/licenses",
          { kind: "commercial", accountId: account.id, products: ["collector"] },
          { traceparent: `00-${traceId}-${clientSpanId}-01` },
        ),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    for (const traceId of traceIds) {
      const answer = await spanNamed(traceId, "issuer.license.create", SpanKind.SERVER);
      const published = await spanNamed(traceId, "publish license.issued", SpanKind.PRODUCER);
      const consumed = await spanNamed(traceId, "process license.issued", SpanKind.CONSUMER);
      expect(parentOf(published)).toBe(answer.spanContext().spanId);
      expect(parentOf(consumed)).toBe(published.spanContext().spanId);
    }
  });

  it("starts a new trace for a request that brings none", async () => {
    const before = new Set(exporter.getFinishedSpans().map((s) => s.spanContext().traceId));
    const response = await gw.admin.get(`/api/licenses/${issued.license.id}`);
    expect(response.statusCode).toBe(200);
    const deadline = Date.now() + 5_000;
    let span: ReadableSpan | undefined;
    while (!span && Date.now() < deadline) {
      span = exporter
        .getFinishedSpans()
        .find((s) => s.name === "GET /api/licenses/:id" && !before.has(s.spanContext().traceId));
      if (!span) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(span?.parentSpanContext).toBeUndefined();
    const call = await spanNamed(span!.spanContext().traceId, "issuer.license.get", SpanKind.CLIENT);
    expect(parentOf(call)).toBe(span!.spanContext().spanId);
  });
});
