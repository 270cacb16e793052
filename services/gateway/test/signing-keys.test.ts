import type { SigningKey } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminCredentials,
  Browser,
  type ErrorResponse,
  type GatewayUnderTest,
  startGateway,
} from "./gateway-harness.ts";

// Signing keys are the host's: every deployment signs licenses, so listing and rotating them works
// in a gateway built without the CRM module, and in one whose CRM module is not activated.
let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway({
    issuer: true,
    overrides: { crmModule: "@licensing/crm-gateway-not-installed" },
  });
});
afterAll(() => gw?.stop());

const keys = async (browser: Browser) =>
  (await browser.get("/api/signing-keys")).json<{ items: SigningKey[] }>().items;

describe("signing keys in a gateway built without the CRM module", () => {
  it("runs without the CRM module", async () => {
    expect((await gw.admin.get("/api/auth/session")).json().modules.crm.packaged).toBe(false);
    expect((await gw.admin.get("/api/accounts")).json<ErrorResponse>().code).toBe("not_found");
  });

  it("lists them for license admins and lets only a superadmin rotate, one role at a time", async () => {
    const licenseAdmin = await gw.userWith(["license-admin"]);
    const before = await keys(licenseAdmin);
    expect(before.filter((k) => k.status === "active").map((k) => k.role)).toEqual(
      expect.arrayContaining(["license", "release"]),
    );
    expect(before.filter((k) => k.status === "active")).toHaveLength(2);
    expect(JSON.stringify(before)).not.toMatch(/private/i);
    expect((await licenseAdmin.post("/api/signing-keys/rotate")).statusCode).toBe(403);
    // No body: the license keys, as before roles existed.
    const rotated = await gw.admin.post("/api/signing-keys/rotate");
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json<SigningKey>()).toMatchObject({ status: "active", role: "license" });
    const after = await keys(gw.admin);
    const ofRole = (role: string) => after.filter((k) => k.role === role);
    expect(
      ofRole("license")
        .map((k) => k.status)
        .sort(),
    ).toEqual(["active", "retired"]);
    expect(ofRole("license").find((k) => k.status === "active")?.keyId).toBe(
      rotated.json<SigningKey>().keyId,
    );
    expect(ofRole("release").map((k) => k.status)).toEqual(["active"]);
    const release = await gw.admin.post("/api/signing-keys/rotate", { role: "release" });
    expect(release.json<SigningKey>()).toMatchObject({ status: "active", role: "release" });
    expect(
      (await keys(gw.admin))
        .filter((k) => k.role === "release")
        .map((k) => k.status)
        .sort(),
    ).toEqual(["active", "retired"]);
    for (const body of [{ role: "signing" }, { role: "release", extra: 1 }, { role: "release\u0000" }]) {
      const refused = await gw.admin.post("/api/signing-keys/rotate", body);
      expect(refused.json<ErrorResponse>(), JSON.stringify(body)).toMatchObject({
        code: "validation_failed",
        requestId: expect.any(String),
      });
    }
  });

  it("keeps them from a viewer, and from anyone not signed in", async () => {
    const viewer = await gw.userWith(["viewer"]);
    expect((await viewer.get("/api/signing-keys")).json<ErrorResponse>().code).toBe("forbidden");
    expect((await viewer.post("/api/signing-keys/rotate", {})).json<ErrorResponse>().code).toBe("forbidden");
    const anonymous = new Browser(gw.app);
    expect((await anonymous.get("/api/signing-keys")).json<ErrorResponse>().code).toBe("unauthorized");
  });

  it("documents them in the OpenAPI document", async () => {
    const paths = (await new Browser(gw.app).get("/api/openapi.json")).json().paths;
    expect(paths["/api/signing-keys"].get).toMatchObject({ tags: ["signing keys"] });
    expect(paths["/api/signing-keys/rotate"].post.description).toContain("`signing-key.rotate`");
  });
});

describe("signing keys beside a CRM module that is not activated", () => {
  it("answers while the module's routes are refused", async () => {
    const withCrm = await gw.startAnother({ crmModule: "@licensing/crm-gateway" });
    const admin = new Browser(withCrm.app);
    await admin.signIn(adminCredentials.username, adminCredentials.password);
    expect((await admin.get("/api/accounts")).json<ErrorResponse>().code).toBe("module_inactive");
    expect((await admin.get("/api/signing-keys")).statusCode).toBe(200);
    expect((await admin.post("/api/signing-keys/rotate")).statusCode).toBe(200);
  });
});
