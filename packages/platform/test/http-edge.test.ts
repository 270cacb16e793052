import type { AddressInfo } from "node:net";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiContentSecurityPolicy, httpServerOptions, installHttpEdge } from "../src/http/index.ts";
import { createLogger } from "../src/index.ts";

// What fails before routing — a path Fastify cannot decode, a path parameter too long, a request
// Node itself refuses — still answers in the error shape, with a request id. Over a real socket:
// `inject` skips Node's HTTP parser.
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  app = Fastify(
    httpServerOptions({
      log: createLogger("test", "silent") as FastifyBaseLogger,
      trustProxy: false,
      bodyLimit: 1024,
    }),
  );
  installHttpEdge(app, {
    who: "test service",
    contentSecurityPolicy: () => apiContentSecurityPolicy,
    strictTransportSecurity: () => false,
  });
  app.get("/things/:id", async () => ({ ok: true }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app?.close();
});

async function errorOf(response: Response) {
  const body = (await response.json()) as { code: string; message: string; requestId: string };
  expect(body.requestId).toMatch(/^req_/);
  expect(response.headers.get("x-request-id")).toBe(body.requestId);
  return { status: response.status, ...body };
}

describe("the HTTP edge before routing", () => {
  it("answers a path whose %-escapes are not UTF-8 with validation_failed", async () => {
    const error = await errorOf(await fetch(`${base}/things/%ED%A0%80`));
    expect(error).toMatchObject({ status: 400, code: "validation_failed" });
    expect(error.message).toContain("%-escape");
  });

  it("answers a path parameter past Fastify's limit with validation_failed", async () => {
    const error = await errorOf(await fetch(`${base}/things/${"x".repeat(500)}`));
    expect(error).toMatchObject({ status: 400, code: "validation_failed" });
  });

  it("answers a URL over Node's 16 KiB of headers with headers_too_large", async () => {
    const error = await errorOf(await fetch(`${base}/things/1?text=${"x".repeat(20_000)}`));
    expect(error).toMatchObject({ status: 431, code: "headers_too_large" });
    expect(error.message).toContain("16 KiB");
  });
});

describe("a request's logger", () => {
  it("writes its lines under the request id, and is only made for a request that writes one", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger("test", "info", { write: (line: string) => lines.push(JSON.parse(line)) });
    let children = 0;
    const child = log.child.bind(log);
    log.child = ((...args: Parameters<typeof log.child>) => {
      children++;
      return child(...args);
    }) as typeof log.child;
    const logging = Fastify(
      httpServerOptions({ log: log as FastifyBaseLogger, trustProxy: false, bodyLimit: 1024 }),
    );
    installHttpEdge(logging, {
      who: "test service",
      contentSecurityPolicy: () => apiContentSecurityPolicy,
      strictTransportSecurity: () => false,
    });
    logging.get("/quiet", async (request) => {
      request.log.debug({ licenseKey: "LK-secret" }, "below the level");
      return { ok: true };
    });
    logging.get("/loud", async (request) => {
      request.log.info({ body: { licenseKey: "LK-secret" } }, "hello");
      request.log.warn("twice");
      return { ok: true };
    });
    try {
      await logging.ready();
      children = 0; // what the instance made for itself while starting
      expect((await logging.inject({ url: "/quiet" })).statusCode).toBe(200);
      expect(children).toBe(0);
      expect(lines).toEqual([]);

      const loud = await logging.inject({ url: "/loud" });
      expect(children).toBe(1);
      expect(lines.map((line) => line.msg)).toEqual(["hello", "twice"]);
      for (const line of lines)
        expect(line).toMatchObject({ requestId: loud.headers["x-request-id"], service: "test" });
      expect(lines[0]).toMatchObject({ body: { licenseKey: "[redacted]" } });
    } finally {
      await logging.close();
    }
  });
});
