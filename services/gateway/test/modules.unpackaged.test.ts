import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ErrorResponse, type GatewayUnderTest, startGateway } from "./gateway-harness.ts";
import { walkEveryRoute } from "./role-walk.ts";

// A deployment built without the CRM package: the gateway looks for a package that is not installed.
let gw: GatewayUnderTest;
const scratch = mkdtempSync(join(tmpdir(), "gateway-modules-"));
beforeAll(async () => {
  gw = await startGateway({
    catalog: true,
    overrides: { crmModule: "@licensing/crm-gateway-not-installed" },
  });
});
afterAll(async () => {
  await gw?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe("a gateway built without the CRM module", () => {
  it("starts and says the module is not packaged", async () => {
    const session = (await gw.admin.get("/api/auth/session")).json();
    expect(session.modules.crm).toEqual({ packaged: false, active: false, activation: null });
    expect((await gw.admin.get("/api/modules")).json().crm.packaged).toBe(false);
  });

  it("has no CRM routes: they are 404 like any unknown path", async () => {
    for (const url of ["/api/accounts", "/api/products", "/api/products/collector"]) {
      const response = await gw.admin.get(url);
      expect(response.statusCode).toBe(404);
      expect(response.json<ErrorResponse>().code).toBe("not_found");
    }
    const paths = Object.keys(
      (await gw.app.inject({ method: "GET", url: "/api/openapi.json" })).json().paths,
    );
    expect(paths.filter((p) => p.startsWith("/api/accounts") || p.startsWith("/api/products"))).toEqual([]);
  });

  it("refuses an activation, since there is nothing to activate", async () => {
    const response = await gw.admin.put("/api/modules/crm/activation", {
      licenseFile: gw.activationLicense(),
    });
    expect(response.statusCode).toBe(409);
    expect(response.json<ErrorResponse>().code).toBe("invalid_state");
  });

  it("passes the role × route walk", async () => {
    const results = await walkEveryRoute(gw, false);
    expect(results.some((r) => r.url.startsWith("/api/accounts"))).toBe(false);
  });
});

describe("a module package that is there but broken", () => {
  const moduleFile = (name: string, source: string) => {
    const file = join(scratch, name);
    writeFileSync(file, source);
    return pathToFileURL(file).href;
  };

  it("stops the gateway when one of its own imports is missing", async () => {
    const broken = moduleFile(
      "broken.mjs",
      'import "left-pad-that-does-not-exist";\nexport const gatewayModule = {};\n',
    );
    await expect(gw.startAnother({ crmModule: broken })).rejects.toThrow(/left-pad-that-does-not-exist/);
  });

  it("stops the gateway when one of its routes declares no access", async () => {
    const naked = moduleFile(
      "naked.mjs",
      'export const gatewayModule = { name: "crm", plugin: async (app) => { app.get("/naked", async () => ({})); } };\n',
    );
    await expect(gw.startAnother({ crmModule: naked })).rejects.toThrow(/GET \/api\/naked \(none\)/);
  });
});
