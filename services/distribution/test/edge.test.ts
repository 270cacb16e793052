import { distribution } from "@licensing/contracts";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDistributionService, type DistributionDeps } from "../src/service.ts";
import { as, type DistributionUnderTest, type Issued, startDistribution } from "./distribution-harness.ts";

// The products' API (/v1) behind the shared HTTP edge (@licensing/platform/http): the text rule,
// strict input, UTF-8 bodies, the body limit, the security headers, probes without addresses.
let t: DistributionUnderTest;
let license: Issued;
const syncToken = "a-license-server-token-of-32-characters-or-more";
beforeAll(async () => {
  t = await startDistribution({ syncTokens: [syncToken] });
  license = await t.issue({ availableActivations: 5, accumulatedUnits: 1_000, unitsPerExecution: 100 });
});
afterAll(() => t?.stop());

interface ErrorBody {
  code: string;
  message: string;
  requestId: string;
  details?: { issues?: { path: string; message: string }[] };
}

/** What the cases below could have written: machines, leases and units of the license. */
async function stored() {
  const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: license.id }, as);
  return { machines: usage.machines.length, leases: usage.leases.length, balance: usage.balance };
}

const post = (url: string, body: unknown) => t.call("POST", url, { key: license.licenseKey, body });

describe.each([
  { name: "a NUL", bad: "\u0000", message: "must not contain a NUL character (U+0000)" },
  { name: "a lone surrogate", bad: "\udc00", message: "must not contain a lone UTF-16 surrogate (U+DC00)" },
])("$name", ({ bad, message }) => {
  const cases: [url: string, body: object, path: string][] = [
    ["/v1/machines", { fingerprint: `machine-${bad}-01` }, "fingerprint"],
    ["/v1/machines", { fingerprint: "machine-0001", hostname: `host${bad}` }, "hostname"],
    ["/v1/machines", { fingerprint: "machine-0001", platform: `linux${bad}` }, "platform"],
    ["/v1/machines/heartbeat", { fingerprint: `machine-${bad}-01` }, "fingerprint"],
    ["/v1/machines/deactivate", { fingerprint: `machine-${bad}-01` }, "fingerprint"],
    ["/v1/usage", { units: 1, idempotencyKey: `run-0001${bad}` }, "idempotencyKey"],
    ["/v1/usage", { units: 1, idempotencyKey: "run-0002", executionMode: `scan${bad}` }, "executionMode"],
    ["/v1/usage", { units: 1, idempotencyKey: "run-0003", fingerprint: `machine-${bad}` }, "fingerprint"],
    ["/v1/leases", { fingerprint: "collector-01", hostname: `host${bad}` }, "hostname"],
    ["/v1/status", { nonce: `0123456789abcdef${bad}` }, "nonce"],
    ["/v1/offline-activations", { request: `-----BEGIN${bad}` }, "request"],
  ];

  it("is 400 validation_failed naming the field, on every route, and nothing is stored", async () => {
    const before = await stored();
    for (const [url, body, path] of cases) {
      const response = await post(url, body);
      expect({ url, path, status: response.statusCode }).toEqual({ url, path, status: 400 });
      expect(response.json<ErrorBody>()).toMatchObject({
        code: "validation_failed",
        requestId: response.headers["x-request-id"],
        details: { issues: [{ path, message }] },
      });
    }
    expect(await stored()).toEqual(before);
  });

  it("is refused over the bus too, by the endpoint adapter (operators' tools)", async () => {
    const machine = await post("/v1/machines", { fingerprint: "bus-machine-01" });
    const activationId = machine.json<{ activation: { id: string } }>().activation.id;
    await expect(
      t.env.bus.request(
        distribution.deactivateMachine,
        { licenseId: license.id, machineId: activationId, reason: `gone${bad}` },
        as,
      ),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "reason", message }] },
    });
    // Sent as raw JSON (not through the typed client, which refuses it before sending).
    const reply = await t.env.nc.request(
      `${t.env.prefix}.${distribution.deactivateMachine.subject}`,
      JSON.stringify({ licenseId: license.id, machineId: activationId, reason: `gone${bad}` }),
    );
    expect(JSON.parse(reply.string())).toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "reason", message }] },
    });
    const usage = await t.env.bus.request(distribution.licenseUsage, { licenseId: license.id }, as);
    expect(usage.machines.find((m) => m.id === activationId)?.status).toBe("active");
  });
});

describe("query strings", () => {
  it("refuse a NUL, and unknown parameters on every route, naming them", async () => {
    const nul = await t.call("GET", "/v1/sync?cursor=%00", {
      headers: { authorization: `Bearer ${syncToken}` },
    });
    expect(nul.statusCode).toBe(400);
    expect(nul.json<ErrorBody>().details?.issues).toEqual([
      { path: "cursor", message: "must not contain a NUL character (U+0000)" },
    ]);
    const typo = await t.call("GET", "/v1/sync?limt=5", {
      headers: { authorization: `Bearer ${syncToken}` },
    });
    expect(typo.statusCode).toBe(400);
    expect(typo.json<ErrorBody>().details?.issues).toEqual([
      { path: "limt", message: "unknown member (did you mean limit?)" },
    ]);
    for (const url of ["/v1/license?format=text", "/v1/keys?all=1", "/v1/usage?since=2020"]) {
      const response = await t.call("GET", url, { key: license.licenseKey });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 400 });
      expect(response.json<ErrorBody>().message).toMatch(/^Invalid query string: \w+: unknown member/);
    }
  });
});

describe("bodies", () => {
  it("refuse unknown members, naming them with the member they resemble, and store nothing", async () => {
    const before = await stored();
    const activate = await post("/v1/machines", { fingerprint: "machine-typo-01", platfrom: "linux" });
    expect(activate.statusCode).toBe(400);
    expect(activate.json<ErrorBody>().message).toBe(
      "Invalid body: platfrom: unknown member (did you mean platform?)",
    );
    const usage = await post("/v1/usage", { units: 5, idempotencyKey: "run-typo-1", unit: 5 });
    expect(usage.json<ErrorBody>().details?.issues).toEqual([
      { path: "unit", message: "unknown member (did you mean units?)" },
    ]);
    expect(await stored()).toEqual(before);
  });

  it("refuse bytes that are not UTF-8, and name the route's limit when too large", async () => {
    const latin1 = await t.service.app.inject({
      method: "POST",
      url: "/v1/machines",
      headers: { authorization: `License ${license.licenseKey}`, "content-type": "application/json" },
      payload: Buffer.concat([
        Buffer.from('{"fingerprint":"machine-'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ]),
    });
    expect(latin1.statusCode).toBe(400);
    expect(latin1.json<ErrorBody>().message).toBe("The request body is not valid UTF-8");
    const huge = await post("/v1/offline-activations", { request: "x".repeat(300 * 1024) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json<ErrorBody>()).toMatchObject({
      code: "payload_too_large",
      message: "The request body is larger than this route accepts: at most 256 KiB (262,144 bytes)",
    });
  });
});

describe("headers", () => {
  it("give JSON answers a Content-Security-Policy that allows nothing, and no HSTS over http", async () => {
    const response = await t.call("GET", "/v1/keys");
    expect(response.headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["strict-transport-security"]).toBeUndefined();
    // Errors carry them too.
    const error = await t.call("GET", "/v1/license");
    expect(error.headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it("give the API docs a page policy (scripts from the service only)", async () => {
    const docs = await t.call("GET", "/v1/docs");
    expect(docs.statusCode).toBe(200);
    expect(docs.headers["content-security-policy"]).toContain("script-src 'self';");
  });

  it("send HSTS over https: behind a trusted proxy saying so, or at an https public URL", async () => {
    // Only the HTTP app of these is used (through inject): nothing of theirs starts on the bus.
    const another = (deps: Partial<DistributionDeps>) =>
      createDistributionService({ nc: t.env.nc, orm: t.orm, prefix: t.env.prefix, log: t.env.log, ...deps })
        .app;
    const hsts = async (app: FastifyInstance, proto: string) =>
      (await app.inject({ method: "GET", url: "/v1/keys", headers: { "x-forwarded-proto": proto } })).headers[
        "strict-transport-security"
      ];
    const behindProxy = another({ trustProxy: true });
    const published = another({ publicUrl: "https://licenses.example.com" });
    try {
      expect(await hsts(behindProxy, "https")).toBe("max-age=31536000");
      expect(await hsts(behindProxy, "http")).toBeUndefined();
      expect(await hsts(published, "http")).toBe("max-age=31536000");
      // Not behind a trusted proxy, a client's X-Forwarded-Proto means nothing.
      expect(await hsts(t.service.app, "https")).toBeUndefined();
    } finally {
      await behindProxy.close();
      await published.close();
    }
  });
});

describe("probes", () => {
  it("/healthz and /readyz name no internal address", async () => {
    for (const url of ["/healthz", "/readyz"]) {
      const response = await t.call("GET", url);
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toMatch(/\d+\.\d+\.\d+\.\d+|localhost|:4222|:5432|nats:\/\/|postgres/i);
    }
  });
});

describe("a page calling the API from another origin", () => {
  it("may read every answer, success or refusal, with its ETag, Retry-After and request id", async () => {
    const { licenseKey } = await t.issue();
    for (const [url, authorization, status] of [
      ["/v1/license", `License ${licenseKey}`, 200],
      ["/v1/license", "License LK-not-a-key", 400],
      ["/v1/no-such-route", undefined, 404],
    ] as const) {
      const response = await t.service.app.inject({
        method: "GET",
        url,
        headers: { origin: "https://app.example", ...(authorization ? { authorization } : {}) },
      });
      expect({ url, status: response.statusCode }).toEqual({ url, status });
      expect(response.headers).toMatchObject({
        "access-control-allow-origin": "*",
        "access-control-expose-headers": "ETag, Retry-After, X-Request-Id",
        "x-request-id": expect.any(String),
      });
    }
  });
});

describe("a browser's CORS preflight", () => {
  it("is 204 with what a page may send, for any route, and runs no route after it", async () => {
    for (const url of ["/v1/machines", "/v1/usage", "/v1/no-such-route"]) {
      const response = await t.service.app.inject({
        method: "OPTIONS",
        url,
        headers: { origin: "https://app.example", "access-control-request-method": "POST" },
      });
      expect({ url, status: response.statusCode, body: response.body }).toEqual({
        url,
        status: 204,
        body: "",
      });
      expect(response.headers).toMatchObject({
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": "Authorization, Content-Type, If-None-Match",
      });
    }
  });
});
