import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminCredentials,
  type Browser,
  type ErrorResponse,
  type GatewayUnderTest,
  startGateway,
} from "./gateway-harness.ts";

// The HTTP edge as the gateway stands behind it (@licensing/platform/http): the text rule, strict
// input, UTF-8 bodies, the body limit, the security headers, and probes that keep addresses inside.
let gw: GatewayUnderTest;
const uiDir = mkdtempSync(join(tmpdir(), "gateway-ui-"));
beforeAll(async () => {
  writeFileSync(join(uiDir, "index.html"), "<!doctype html><title>Licensing</title>");
  gw = await startGateway({ catalog: true });
});
afterAll(async () => {
  await gw?.stop();
  rmSync(uiDir, { recursive: true, force: true });
});

/** A request whose body is exactly `json` (a string keeps JSON escapes such as `\ud800` as sent). */
const rawPost = (url: string, json: string | Buffer, browser?: Browser) =>
  gw.app.inject({
    method: "POST",
    url,
    headers: {
      "content-type": "application/json",
      ...(browser?.session ? { cookie: `lic_session=${browser.session}` } : {}),
      ...(browser?.csrfToken ? { "x-csrf-token": browser.csrfToken } : {}),
    },
    payload: json,
  });
const issues = (response: { json<T>(): T }) => response.json<ErrorResponse>().details?.issues ?? [];
const userCount = async () => (await gw.admin.get("/api/users")).json<{ items: unknown[] }>().items.length;

describe("text no store can keep (NUL, lone surrogate)", () => {
  it("is refused in the public sign-in's username, naming it, never a 500", async () => {
    for (const json of [
      '{"username":"adm\\u0000in","password":"whatever"}',
      '{"username":"adm\\ud800in","password":"whatever"}',
    ]) {
      const response = await rawPost("/api/auth/login", json);
      expect(response.statusCode).toBe(400);
      expect(response.json<ErrorResponse>()).toMatchObject({
        code: "validation_failed",
        requestId: response.headers["x-request-id"],
      });
      expect(issues(response)).toEqual([
        {
          path: "username",
          message: expect.stringMatching(/^must not contain a (NUL character|lone UTF-16 surrogate)/),
        },
      ]);
    }
  });

  it("is refused in a body's member names and in path parameters, and nothing is stored", async () => {
    const before = await userCount();
    const key = await rawPost(
      "/api/users",
      '{"username":"erin","roles":["viewer"],"ro\\u0000le":1}',
      gw.admin,
    );
    expect(key.statusCode).toBe(400);
    expect(issues(key)).toEqual([
      { path: "ro\\u0000le", message: "member name must not contain a NUL character (U+0000)" },
    ]);
    const param = await gw.admin.patch("/api/users/usr_%00", { disabled: true });
    expect(param.statusCode).toBe(400);
    expect(param.json<ErrorResponse>().message).toBe(
      "Invalid path: id: must not contain a NUL character (U+0000)",
    );
    expect(await userCount()).toBe(before);
  });

  it("is refused in a query string", async () => {
    const response = await gw.admin.get("/api/users?x=%00");
    expect(response.statusCode).toBe(400);
    expect(issues(response)).toEqual([{ path: "x", message: "must not contain a NUL character (U+0000)" }]);
  });
});

describe("bodies", () => {
  it("refuses bytes that are not UTF-8, rather than reading them as U+FFFD", async () => {
    const before = await userCount();
    const body = Buffer.concat([
      Buffer.from('{"username":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('","roles":["viewer"]}'),
    ]);
    const response = await rawPost("/api/users", body, gw.admin);
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorResponse>()).toMatchObject({
      code: "validation_failed",
      message: "The request body is not valid UTF-8",
    });
    expect(await userCount()).toBe(before);
  });

  it("answers a body over the route's limit with 413 naming the limit", async () => {
    const response = await gw.admin.post("/api/auth/password", {
      currentPassword: "x".repeat(1024 * 1024),
      newPassword: "y",
    });
    expect(response.statusCode).toBe(413);
    expect(response.json<ErrorResponse>()).toMatchObject({
      code: "payload_too_large",
      message: "The request body is larger than this route accepts: at most 1 MiB (1,048,576 bytes)",
      details: { limitBytes: 1048576 },
    });
  });

  it("refuses a body that is not JSON (415 answered as validation_failed)", async () => {
    const response = await gw.app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { "content-type": "text/plain" },
      payload: "admin",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorResponse>().message).toContain("Content-Type: application/json");
  });
});

describe("unknown members", () => {
  it("are refused in a body, each named, with the member it resembles", async () => {
    const before = await userCount();
    const response = await gw.admin.post("/api/users", {
      username: "frank",
      role: ["viewer"],
      roles: ["viewer"],
    });
    expect(response.statusCode).toBe(400);
    expect(issues(response)).toEqual([{ path: "role", message: "unknown member (did you mean roles?)" }]);
    expect(response.json<ErrorResponse>().message).toBe(
      "Invalid body: role: unknown member (did you mean roles?)",
    );
    const login = await gw.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { ...adminCredentials, remember: true },
    });
    expect(login.statusCode).toBe(400);
    expect(issues(login)).toEqual([{ path: "remember", message: "unknown member" }]);
    expect(await userCount()).toBe(before);
  });

  it("are refused in a query string, also on a route that takes no query parameters", async () => {
    const response = await gw.admin.get("/api/users?page=2");
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorResponse>()).toMatchObject({
      code: "validation_failed",
      message: "Invalid query string: page: unknown member (this route takes none)",
    });
    expect((await gw.admin.get("/api/auth/session?fresh=1")).statusCode).toBe(400);
  });

  it("are refused in the body of a route that takes none (an empty object is fine)", async () => {
    const browser = await gw.userWith(["viewer"]);
    const refused = await browser.post("/api/auth/logout", { everywhere: true });
    expect(refused.statusCode).toBe(400);
    expect(issues(refused)).toEqual([
      { path: "everywhere", message: "unknown member (this route takes none)" },
    ]);
    expect((await browser.get("/api/auth/session")).statusCode).toBe(200);
    expect((await browser.post("/api/auth/logout", {})).statusCode).toBe(204);
  });

  it("are described in the OpenAPI document (additionalProperties: false)", async () => {
    const document = (await gw.admin.get("/api/openapi.json")).json();
    const schema = document.paths["/api/users"].post.requestBody.content["application/json"].schema;
    expect(schema.additionalProperties).toBe(false);
  });
});

describe("security headers", () => {
  it("give API answers a strict Content-Security-Policy and HSTS while cookies are Secure", async () => {
    const response = await gw.admin.get("/api/auth/session");
    expect(response.headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(response.headers["strict-transport-security"]).toBe("max-age=31536000");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["x-frame-options"]).toBe("DENY");
    expect(response.headers["referrer-policy"]).toBe("same-origin");
  });

  it("give the UI and the API docs a policy that lets scripts come from the gateway only", async () => {
    const withUi = await gw.startAnother({ uiDir, cookieSecure: false });
    for (const url of ["/", "/crm/accounts", "/api/docs"]) {
      const response = await withUi.app.inject({ method: "GET", url });
      expect(response.statusCode).toBe(200);
      const policy = String(response.headers["content-security-policy"]);
      expect(policy).toContain("default-src 'self'");
      expect(policy).toContain("script-src 'self';");
      expect(policy).toContain("style-src 'self' 'unsafe-inline'");
      expect(policy).toContain("frame-ancestors 'none'");
      // Without Secure cookies (plain http), no HSTS.
      expect(response.headers["strict-transport-security"]).toBeUndefined();
    }
  });
});

describe("probes", () => {
  const addresses = /\d+\.\d+\.\d+\.\d+|localhost|:4222|:5432|nats:\/\/|postgres/i;

  it("/healthz and /readyz name no internal address, up or not", async () => {
    const health = await gw.admin.get("/healthz");
    expect(health.json()).toEqual({ status: "ok" });
    const ready = await gw.admin.get("/readyz");
    expect(ready.statusCode).toBe(200);
    const waiting = await gw.startAnother({ requiredServices: ["catalog", "issuer"] });
    const notReady = await waiting.app.inject({ method: "GET", url: "/readyz" });
    expect(notReady.statusCode).toBe(503);
    const lost = await gw.env.connect("gateway-without-nats");
    await lost.close();
    const cutOff = await gw.startAnother({ nc: lost });
    const down = await cutOff.app.inject({ method: "GET", url: "/healthz" });
    expect(down.statusCode).toBe(503);
    for (const body of [health.body, ready.body, notReady.body, down.body])
      expect(body).not.toMatch(addresses);
  });
});
