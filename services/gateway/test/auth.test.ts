import { allowedActions } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminCredentials,
  Browser,
  type ErrorResponse,
  type GatewayUnderTest,
  startGateway,
} from "./gateway-harness.ts";

let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.stop());

describe("sign-in", () => {
  it("signs in the first superadmin and answers the session, permissions and modules", async () => {
    const browser = new Browser(gw.app);
    const response = await browser.signIn(adminCredentials.username, adminCredentials.password);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      user: { username: "admin", roles: ["superadmin"], mustChangePassword: false },
      permissions: allowedActions(["superadmin"]),
      modules: { crm: { packaged: true, active: false, activation: null } },
    });
    expect(body.user.id).toMatch(/^usr_/);
    expect(body.csrfToken).toEqual(expect.any(String));
    const setCookie = String(response.headers["set-cookie"]);
    expect(setCookie).toMatch(/^lic_session=[A-Za-z0-9_-]{40,};/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("Secure");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/");
    expect(setCookie).toMatch(/Max-Age=604800/);
  });

  it("takes the username in any case", async () => {
    const response = await new Browser(gw.app).signIn("ADMIN", adminCredentials.password);
    expect(response.statusCode).toBe(200);
  });

  it("answers one generic 401 for a wrong password, an unknown user and a disabled user", async () => {
    const disabled = await gw.userWith(["viewer"], "soon-disabled");
    const id = (await disabled.get("/api/auth/session")).json().user.id;
    expect((await gw.admin.patch(`/api/users/${id}`, { disabled: true })).statusCode).toBe(200);
    const attempts = [
      ["admin", "not-the-password"],
      ["nobody-by-that-name", "whatever-password"],
      ["soon-disabled", disabled.password!],
    ] as const;
    const bodies = [];
    for (const [username, password] of attempts) {
      const response = await new Browser(gw.app).signIn(username, password);
      expect(response.statusCode).toBe(401);
      expect(response.headers["set-cookie"]).toBeUndefined();
      bodies.push(response.json<ErrorResponse>());
    }
    expect(new Set(bodies.map((b) => `${b.code} ${b.message}`))).toEqual(
      new Set(["unauthorized Wrong username or password"]),
    );
  });

  it("names the missing field of a malformed sign-in", async () => {
    const response = await new Browser(gw.app).post("/api/auth/login", { username: "admin" });
    expect(response.statusCode).toBe(400);
    const body = response.json<ErrorResponse>();
    expect(body.code).toBe("validation_failed");
    expect(body.details?.issues?.map((i) => i.path)).toEqual(["password"]);
    expect(body.requestId).toBe(response.headers["x-request-id"]);
  });
});

describe("the session", () => {
  it("is answered while signed in, with a fresh CSRF token", async () => {
    const response = await gw.admin.get("/api/auth/session");
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ user: { username: "admin" }, csrfToken: expect.any(String) });
  });

  it("is 401 when signed out, and sign-out ends it for good", async () => {
    expect((await new Browser(gw.app).get("/api/auth/session")).statusCode).toBe(401);
    const browser = new Browser(gw.app);
    await browser.signIn(adminCredentials.username, adminCredentials.password);
    const cookie = browser.session;
    const out = await browser.post("/api/auth/logout");
    expect(out.statusCode).toBe(204);
    expect(String(out.headers["set-cookie"])).toMatch(/lic_session=;/);
    // The old cookie, replayed, no longer works.
    const replay = await gw.app.inject({
      method: "GET",
      url: "/api/auth/session",
      headers: { cookie: `lic_session=${cookie}` },
    });
    expect(replay.statusCode).toBe(401);
    expect(replay.json<ErrorResponse>()).toMatchObject({
      code: "unauthorized",
      requestId: expect.stringMatching(/^req_/),
    });
  });

  it("ignores a forged cookie", async () => {
    const response = await gw.app.inject({
      method: "GET",
      url: "/api/auth/session",
      headers: { cookie: "lic_session=forged-value" },
    });
    expect(response.statusCode).toBe(401);
  });

  it("gives every request its own id, echoed in X-Request-Id", async () => {
    const a = await gw.admin.get("/api/auth/session");
    const b = await gw.admin.get("/api/auth/session");
    expect(a.headers["x-request-id"]).toMatch(/^req_/);
    expect(a.headers["x-request-id"]).not.toBe(b.headers["x-request-id"]);
    const chosen = await gw.app.inject({
      method: "GET",
      url: "/api/nothing",
      headers: { "request-id": "req_mine" },
    });
    expect(chosen.headers["x-request-id"]).not.toBe("req_mine");
  });
});
