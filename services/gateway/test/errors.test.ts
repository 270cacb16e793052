import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminCredentials,
  Browser,
  type ErrorResponse,
  type GatewayUnderTest,
  startGateway,
} from "./gateway-harness.ts";

// No catalog runs here: CRM calls find no service on the bus.
let gw: GatewayUnderTest;
const uiDir = mkdtempSync(join(tmpdir(), "gateway-ui-"));
beforeAll(async () => {
  writeFileSync(join(uiDir, "index.html"), "<!doctype html><title>Licensing</title>");
  mkdirSync(join(uiDir, "assets"));
  writeFileSync(join(uiDir, "assets", "app.js"), "console.log('app')");
  gw = await startGateway({ activateCrm: true });
});
afterAll(async () => {
  await gw?.stop();
  rmSync(uiDir, { recursive: true, force: true });
});

describe("errors", () => {
  it("answers an unknown /api path with 404 in the error shape", async () => {
    const response = await gw.admin.get("/api/no-such-thing?x=1");
    expect(response.statusCode).toBe(404);
    expect(response.json<ErrorResponse>()).toEqual({
      code: "not_found",
      message: "Nothing here: GET /api/no-such-thing",
      requestId: response.headers["x-request-id"],
    });
  });

  it("answers a body that is not JSON, or too large, in the error shape", async () => {
    const garbled = await gw.app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(garbled.statusCode).toBe(400);
    expect(garbled.json<ErrorResponse>()).toMatchObject({
      code: "validation_failed",
      message: "The request body is not valid JSON",
    });
    const huge = await gw.admin.post("/api/auth/password", {
      currentPassword: "x".repeat(2 * 1024 * 1024),
      newPassword: "y",
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json<ErrorResponse>().code).toBe("payload_too_large");
  });

  it("answers 503 service_unavailable when the service behind a route is not running", async () => {
    const response = await gw.admin.get("/api/products");
    expect(response.statusCode).toBe(503);
    expect(response.json<ErrorResponse>()).toMatchObject({
      code: "service_unavailable",
      message: expect.stringContaining("catalog"),
      requestId: response.headers["x-request-id"],
    });
  });

  it("sets protective headers and keeps API answers out of caches", async () => {
    const response = await gw.admin.get("/api/auth/session");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["x-frame-options"]).toBe("DENY");
    expect(response.headers["cache-control"]).toBe("no-store");
  });
});

describe("the built UI", () => {
  let browser: Browser;
  beforeAll(async () => {
    const withUi = await gw.startAnother({ uiDir });
    browser = new Browser(withUi.app);
    await browser.signIn(adminCredentials.username, adminCredentials.password);
  });

  it("serves the UI's files and index.html for its own routes (SPA fallback)", async () => {
    const home = await browser.get("/");
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain("<title>Licensing</title>");
    expect((await browser.get("/assets/app.js")).body).toContain("console.log");
    const deep = await browser.get("/crm/accounts/acc_123");
    expect(deep.statusCode).toBe(200);
    expect(deep.headers["content-type"]).toContain("text/html");
  });

  it("still answers unknown /api paths, and non-GET requests, with the error shape", async () => {
    expect((await browser.get("/api/nope")).json<ErrorResponse>().code).toBe("not_found");
    expect((await browser.post("/somewhere", {})).json<ErrorResponse>().code).toBe("not_found");
  });

  it("answers 404 in the error shape for / when no UI is built", async () => {
    const response = await gw.admin.get("/");
    expect(response.statusCode).toBe(404);
    expect(response.json<ErrorResponse>().code).toBe("not_found");
  });
});
