import { ed25519 } from "@licensing/model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devActivationLicense } from "../scripts/dev-activation.ts";
import {
  adminCredentials,
  Browser,
  type ErrorResponse,
  type GatewayUnderTest,
  startGateway,
} from "./gateway-harness.ts";

const day = 86_400_000;
let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway({ catalog: true });
});
afterAll(() => gw?.stop());

const activate = (licenseFile: string) => gw.admin.put("/api/modules/crm/activation", { licenseFile });
const crm = async () => (await gw.admin.get("/api/modules")).json().crm;

describe("the CRM module before activation", () => {
  it("is packaged but not active, and its routes answer module_inactive", async () => {
    expect(await crm()).toEqual({ packaged: true, active: false, activation: null });
    for (const url of ["/api/accounts", "/api/products", "/api/accounts/acc_01ZZZZZZZZZZZZZZZZZZZZZZZZ"]) {
      const response = await gw.admin.get(url);
      expect(response.statusCode).toBe(403);
      expect(response.json<ErrorResponse>()).toMatchObject({
        code: "module_inactive",
        requestId: expect.any(String),
      });
    }
  });

  it("still answers 401 to anonymous callers and 403 forbidden to roles without the action", async () => {
    expect((await new Browser(gw.app).get("/api/accounts")).statusCode).toBe(401);
    const viewer = await gw.userWith(["viewer"]);
    const response = await viewer.post("/api/products", { code: "x", name: "X" });
    expect(response.json<ErrorResponse>().code).toBe("forbidden");
  });
});

describe("activation", () => {
  it("refuses a license signed by a key the deployment does not trust", async () => {
    const stranger = await activate(
      devActivationLicense({ key: { keyId: "stranger", ...ed25519.generateKeyPair() } }),
    );
    expect(stranger.statusCode).toBe(400);
    const body = stranger.json<ErrorResponse>();
    expect(body.code).toBe("validation_failed");
    expect(body.details?.issues).toEqual([
      { path: "licenseFile", message: expect.stringMatching(/not signed by a vendor key/) },
    ]);
    // Another key under a trusted key's id.
    const impostor = await activate(
      devActivationLicense({ key: { keyId: "dev-vendor", ...ed25519.generateKeyPair() } }),
    );
    expect(impostor.json<ErrorResponse>().details?.issues?.[0]?.message).toMatch(/signature does not match/);
  });

  it("refuses a license without the crm feature, an expired one, a tampered one and text that is no license", async () => {
    const withoutCrm = await activate(gw.activationLicense({ features: ["reports"] }));
    expect(withoutCrm.json<ErrorResponse>().details?.issues?.[0]?.message).toMatch(/"crm" feature/);
    const expired = await activate(
      gw.activationLicense({ now: new Date(gw.clock.now().getTime() - 400 * day) }),
    );
    expect(expired.json<ErrorResponse>().details?.issues?.[0]?.message).toMatch(/expired/);
    const good = gw.activationLicense().split("\n");
    good[3] = good[3]!.replace(/[A-Za-z]/, (c) => (c === "A" ? "B" : "A"));
    const tampered = await activate(good.join("\n"));
    expect(tampered.statusCode).toBe(400);
    const garbage = await activate("hello");
    expect(garbage.json<ErrorResponse>().details?.issues?.[0]?.path).toBe("licenseFile");
    expect((await crm()).active).toBe(false);
  });

  it("activates with a valid license: the CRM routes answer, in every replica and after a restart", async () => {
    const license = gw.activationLicense();
    const response = await activate(license);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      packaged: true,
      active: true,
      activation: {
        licenseId: expect.stringMatching(/^lic_/),
        ownerCompany: "Development",
        endDate: expect.any(String),
        activatedBy: "admin",
      },
    });
    expect((await gw.admin.get("/api/auth/session")).json().modules.crm.active).toBe(true);
    expect((await gw.admin.get("/api/products")).statusCode).toBe(200);

    const replica = await gw.startAnother();
    const elsewhere = new Browser(replica.app);
    await elsewhere.signIn(adminCredentials.username, adminCredentials.password);
    expect((await elsewhere.get("/api/modules")).json().crm.active).toBe(true);
    expect((await elsewhere.get("/api/products")).statusCode).toBe(200);
  });

  it("is no longer trusted by a gateway that dropped the vendor key", async () => {
    const untrusting = await gw.startAnother({ vendorKeys: [] });
    const browser = new Browser(untrusting.app);
    await browser.signIn(adminCredentials.username, adminCredentials.password);
    expect((await browser.get("/api/modules")).json().crm).toMatchObject({
      active: false,
      activation: { ownerCompany: "Development" },
    });
    expect((await browser.get("/api/products")).json<ErrorResponse>().code).toBe("module_inactive");
  });

  it("makes the module inactive again when the license expires", async () => {
    gw.clock.advance(367 * day);
    await gw.admin.signIn(adminCredentials.username, adminCredentials.password);
    const status = await crm();
    expect(status).toMatchObject({
      packaged: true,
      active: false,
      activation: { ownerCompany: "Development" },
    });
    expect((await gw.admin.get("/api/products")).json<ErrorResponse>().code).toBe("module_inactive");
    // A new license brings it back.
    expect((await activate(gw.activationLicense())).json().active).toBe(true);
  });

  it("deactivates", async () => {
    const response = await gw.admin.delete("/api/modules/crm/activation");
    expect(response.json()).toEqual({ packaged: true, active: false, activation: null });
    expect((await gw.admin.get("/api/products")).json<ErrorResponse>().code).toBe("module_inactive");
  });
});
