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

const newUser = (name: string) => ({ username: name, roles: ["viewer"] });

describe("CSRF protection", () => {
  it("refuses a state-changing request without the token", async () => {
    const response = await gw.admin.post("/api/users", newUser("no-token"), { "x-csrf-token": "" });
    expect(response.statusCode).toBe(403);
    expect(response.json<ErrorResponse>()).toMatchObject({
      code: "csrf_failed",
      requestId: expect.stringMatching(/^req_/),
    });
    expect(
      (await gw.admin.get("/api/users")).json().items.map((u: { username: string }) => u.username),
    ).not.toContain("no-token");
  });

  it("refuses a wrong token, and the token of another session", async () => {
    expect(
      (await gw.admin.post("/api/users", newUser("wrong-token"), { "x-csrf-token": "abc-def" })).statusCode,
    ).toBe(403);
    const other = new Browser(gw.app);
    await other.signIn(adminCredentials.username, adminCredentials.password);
    const response = await gw.admin.post("/api/users", newUser("foreign-token"), {
      "x-csrf-token": other.csrfToken!,
    });
    expect(response.json<ErrorResponse>().code).toBe("csrf_failed");
  });

  it("checks every state-changing method (POST, PUT, PATCH, DELETE)", async () => {
    const noToken = { "x-csrf-token": "" };
    for (const response of [
      await gw.admin.post("/api/auth/logout", undefined, noToken),
      await gw.admin.put("/api/modules/crm/activation", { licenseFile: "x" }, noToken),
      await gw.admin.patch("/api/users/usr_01ZZZZZZZZZZZZZZZZZZZZZZZZ", {}, noToken),
      await gw.admin.delete("/api/modules/crm/activation", noToken),
    ])
      expect(response.json<ErrorResponse>().code).toBe("csrf_failed");
    // The session survived the refused sign-out.
    expect((await gw.admin.get("/api/auth/session")).statusCode).toBe(200);
  });

  it("accepts the token from sign-in and any token from GET /api/auth/session", async () => {
    expect((await gw.admin.post("/api/users", newUser("with-login-token"))).statusCode).toBe(201);
    const fresh = (await gw.admin.get("/api/auth/session")).json<{ csrfToken: string }>().csrfToken;
    const response = await gw.admin.post("/api/users", newUser("with-session-token"), {
      "x-csrf-token": fresh,
    });
    expect(response.statusCode).toBe(201);
  });

  it("needs no token to read, nor to sign in", async () => {
    expect((await gw.admin.get("/api/users", { "x-csrf-token": "" })).statusCode).toBe(200);
    const browser = new Browser(gw.app);
    expect((await browser.signIn(adminCredentials.username, adminCredentials.password)).statusCode).toBe(200);
  });

  it("answers a cross-site form post (not JSON) without acting on it", async () => {
    const response = await gw.app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "username=admin&password=admin-password-for-tests",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorResponse>().code).toBe("validation_failed");
    expect(response.headers["set-cookie"]).toBeUndefined();
  });
});
