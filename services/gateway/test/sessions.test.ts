import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SessionEntity } from "../src/domain/entities.ts";
import { tokenHash } from "../src/domain/sessions.ts";
import { adminCredentials, Browser, type GatewayUnderTest, startGateway } from "./gateway-harness.ts";

const hour = 3_600_000;
let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.stop());

async function signedInAdmin(): Promise<Browser> {
  const browser = new Browser(gw.app);
  expect((await browser.signIn(adminCredentials.username, adminCredentials.password)).statusCode).toBe(200);
  return browser;
}

describe("session lifetime", () => {
  it("ends after 12 hours without use", async () => {
    const browser = await signedInAdmin();
    gw.clock.advance(11 * hour);
    expect((await browser.get("/api/auth/session")).statusCode).toBe(200);
    gw.clock.advance(11 * hour); // 22 h after sign-in, but only 11 h idle: still on
    expect((await browser.get("/api/auth/session")).statusCode).toBe(200);
    gw.clock.advance(12 * hour + 1000);
    const expired = await browser.get("/api/auth/session");
    expect(expired.statusCode).toBe(401);
    expect(String(expired.headers["set-cookie"])).toMatch(/lic_session=;/);
  });

  it("ends 7 days after sign-in however active it stays", async () => {
    const browser = await signedInAdmin();
    for (let elapsed = 0; elapsed < 7 * 24 - 10; elapsed += 10) {
      gw.clock.advance(10 * hour);
      expect((await browser.get("/api/auth/session")).statusCode).toBe(200);
    }
    gw.clock.advance(10 * hour);
    expect((await browser.get("/api/auth/session")).statusCode).toBe(401);
  });

  it("stores only a hash of the session token", async () => {
    const browser = await signedInAdmin();
    const em = gw.orm.em.fork();
    expect(await em.findOne(SessionEntity, { tokenHash: browser.session! })).toBeNull();
    expect(await em.findOne(SessionEntity, { tokenHash: tokenHash(browser.session!) })).not.toBeNull();
  });
});

describe("revocation", () => {
  // The lifetime tests above moved the clock past the admin's session.
  beforeEach(() => gw.admin.signIn(adminCredentials.username, adminCredentials.password));

  it("a password change ends the user's other sessions and keeps this one", async () => {
    const laptop = await gw.userWith(["sales"], "two-devices");
    const phone = new Browser(gw.app);
    await phone.signIn("two-devices", laptop.password!);
    expect((await phone.get("/api/auth/session")).statusCode).toBe(200);
    const changed = await laptop.post("/api/auth/password", {
      currentPassword: laptop.password,
      newPassword: "a-brand-new-password",
    });
    expect(changed.statusCode).toBe(204);
    expect((await laptop.get("/api/auth/session")).statusCode).toBe(200);
    expect((await phone.get("/api/auth/session")).statusCode).toBe(401);
  });

  it("a password reset ends every session of that user", async () => {
    const user = await gw.userWith(["viewer"], "reset-me");
    const id = (await user.get("/api/auth/session")).json().user.id;
    expect((await gw.admin.post(`/api/users/${id}/password-reset`)).statusCode).toBe(200);
    expect((await user.get("/api/auth/session")).statusCode).toBe(401);
    expect((await gw.admin.get("/api/auth/session")).statusCode).toBe(200);
  });

  it("disabling a user ends their sessions at once", async () => {
    const user = await gw.userWith(["support"], "disable-me");
    const id = (await user.get("/api/auth/session")).json().user.id;
    expect((await gw.admin.patch(`/api/users/${id}`, { disabled: true })).statusCode).toBe(200);
    expect((await user.get("/api/auth/session")).statusCode).toBe(401);
  });

  it("a role change applies to the next request of a running session", async () => {
    const user = await gw.userWith(["viewer"], "promote-me");
    const id = (await user.get("/api/auth/session")).json().user.id;
    expect((await user.get("/api/users")).statusCode).toBe(403);
    await gw.admin.patch(`/api/users/${id}`, { roles: ["superadmin"] });
    expect((await user.get("/api/users")).statusCode).toBe(200);
    expect((await user.get("/api/auth/session")).json().permissions).toContain("user.manage");
  });

  it("a second sign-in from the same browser replaces its session", async () => {
    const browser = await signedInAdmin();
    const first = browser.session!;
    await browser.signIn(adminCredentials.username, adminCredentials.password);
    expect(browser.session).not.toBe(first);
    const old = await gw.app.inject({
      method: "GET",
      url: "/api/auth/session",
      headers: { cookie: `lic_session=${first}` },
    });
    expect(old.statusCode).toBe(401);
  });
});
