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

const idOf = async (browser: Browser) =>
  (await browser.get("/api/auth/session")).json<{ user: { id: string } }>().user.id;
const issuesOf = (response: { json<T>(): T }) =>
  response.json<ErrorResponse>().details?.issues?.map((i) => i.path);

describe("creating users", () => {
  it("creates a user with a generated temporary password, shown once", async () => {
    const response = await gw.admin.post("/api/users", {
      username: "Alice.Sales",
      roles: ["sales", "sales"],
    });
    expect(response.statusCode).toBe(201);
    const { user, temporaryPassword } = response.json();
    expect(user).toMatchObject({
      username: "Alice.Sales",
      roles: ["sales"],
      disabled: false,
      mustChangePassword: true,
      lastSignInAt: null,
    });
    expect(temporaryPassword).toMatch(/^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
    const listed = (await gw.admin.get("/api/users")).json().items;
    expect(listed.find((u: { id: string }) => u.id === user.id)).toEqual(user);
    expect(JSON.stringify(listed)).not.toContain(temporaryPassword);
    expect(JSON.stringify(listed)).not.toMatch(/argon2/);
  });

  it("takes a chosen password, which must still be changed at first sign-in", async () => {
    const response = await gw.admin.post("/api/users", {
      username: "bob",
      roles: ["viewer"],
      password: "chosen-by-the-admin",
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().temporaryPassword).toBeUndefined();
    const bob = new Browser(gw.app);
    const signIn = await bob.signIn("bob", "chosen-by-the-admin");
    expect(signIn.json().user.mustChangePassword).toBe(true);
  });

  it("refuses a second user of the same name in another case", async () => {
    await gw.admin.post("/api/users", { username: "carol", roles: ["viewer"] });
    const response = await gw.admin.post("/api/users", { username: "CAROL", roles: ["support"] });
    expect(response.statusCode).toBe(409);
    expect(response.json<ErrorResponse>()).toMatchObject({ code: "already_exists" });
    expect(issuesOf(response)).toEqual(["username"]);
  });

  it("names every invalid field", async () => {
    const response = await gw.admin.post("/api/users", { username: "a b", roles: ["viewer"] });
    expect(response.statusCode).toBe(400);
    expect(issuesOf(response)).toEqual(["username"]);
    // A role is built in or defined (Settings → Roles): which ones are is the database's to say.
    const unknownRole = await gw.admin.post("/api/users", {
      username: "ownerless",
      roles: ["viewer", "owner"],
    });
    expect(unknownRole.statusCode).toBe(400);
    expect(unknownRole.json<ErrorResponse>().details?.issues).toEqual([
      { path: "roles.1", message: "no role is named owner" },
    ]);
    const noRole = await gw.admin.post("/api/users", { username: "norole", roles: [] });
    expect(issuesOf(noRole)).toEqual(["roles"]);
    const weak = await gw.admin.post("/api/users", {
      username: "weakling",
      roles: ["viewer"],
      password: "short",
    });
    expect(issuesOf(weak)).toEqual(["password"]);
  });
});

describe("changing users", () => {
  it("changes roles and disables and enables a user", async () => {
    const user = await gw.userWith(["viewer"], "dave");
    const id = await idOf(user);
    const promoted = await gw.admin.patch(`/api/users/${id}`, { roles: ["license-admin", "sales"] });
    expect(promoted.json()).toMatchObject({ id, roles: ["license-admin", "sales"], disabled: false });
    expect((await gw.admin.patch(`/api/users/${id}`, { disabled: true })).json().disabled).toBe(true);
    expect((await new Browser(gw.app).signIn("dave", user.password!)).statusCode).toBe(401);
    expect((await gw.admin.patch(`/api/users/${id}`, { disabled: false })).json().disabled).toBe(false);
    expect((await new Browser(gw.app).signIn("dave", user.password!)).statusCode).toBe(200);
  });

  it("answers 404 for an unknown user and 400 for a malformed id", async () => {
    const unknown = await gw.admin.patch("/api/users/usr_01ZZZZZZZZZZZZZZZZZZZZZZZZ", { disabled: true });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<ErrorResponse>().code).toBe("not_found");
    const malformed = await gw.admin.patch("/api/users/42", { disabled: true });
    expect(malformed.statusCode).toBe(400);
    expect(issuesOf(malformed)).toEqual(["id"]);
  });

  it("keeps a superadmin from disabling themselves or dropping their own superadmin role", async () => {
    const me = await idOf(gw.admin);
    for (const change of [{ disabled: true }, { roles: ["viewer"] }]) {
      const response = await gw.admin.patch(`/api/users/${me}`, change);
      expect(response.statusCode).toBe(409);
      expect(response.json<ErrorResponse>().code).toBe("invalid_state");
    }
    expect((await gw.admin.patch(`/api/users/${me}`, { roles: ["superadmin", "sales"] })).statusCode).toBe(
      200,
    );
  });

  it("never leaves the platform without an active superadmin", async () => {
    const second = await gw.userWith(["superadmin"], "second-admin");
    const secondId = await idOf(second);
    const adminId = await idOf(gw.admin);
    // Two active superadmins: one may demote the other…
    expect((await second.patch(`/api/users/${adminId}`, { roles: ["viewer"] })).statusCode).toBe(200);
    // …but the last one cannot be demoted or disabled (here, by themselves).
    const last = await second.patch(`/api/users/${secondId}`, { roles: ["viewer"] });
    expect(last.json<ErrorResponse>().code).toBe("invalid_state");
    // Restore the first admin for the other tests.
    expect((await second.patch(`/api/users/${adminId}`, { roles: ["superadmin"] })).statusCode).toBe(200);
    await gw.admin.signIn(adminCredentials.username, adminCredentials.password);
  });

  it("refuses concurrent demotions that would leave no superadmin", async () => {
    const a = await gw.userWith(["superadmin"], "race-a");
    const b = await gw.userWith(["superadmin"], "race-b");
    const [aId, bId, adminId] = [await idOf(a), await idOf(b), await idOf(gw.admin)];
    const others = (await gw.admin.get("/api/users"))
      .json()
      .items.filter(
        (u: { id: string; roles: string[] }) => u.roles.includes("superadmin") && ![aId, bId].includes(u.id),
      );
    // Leave race-a and race-b as the only superadmins, then let each demote the other at once.
    for (const u of others)
      if (u.id !== adminId) await gw.admin.patch(`/api/users/${u.id}`, { roles: ["viewer"] });
    await a.patch(`/api/users/${adminId}`, { roles: ["viewer"] });
    const results = await Promise.all([
      a.patch(`/api/users/${bId}`, { roles: ["viewer"] }),
      b.patch(`/api/users/${aId}`, { roles: ["viewer"] }),
    ]);
    // The loser is refused by the rule (409) or, when the winner committed before its request was
    // authorized, by its own lost role (403): either way exactly one demotion happens.
    const [won, lost] = results.map((r) => r.statusCode).sort();
    expect(won).toBe(200);
    expect([403, 409]).toContain(lost);
    const superadmins = (await a.get("/api/users")).statusCode === 200 ? a : b;
    const remaining = (await superadmins.get("/api/users"))
      .json()
      .items.filter(
        (u: { roles: string[]; disabled: boolean }) => u.roles.includes("superadmin") && !u.disabled,
      );
    expect(remaining).toHaveLength(1);
    await superadmins.patch(`/api/users/${adminId}`, { roles: ["superadmin"] });
    await gw.admin.signIn(adminCredentials.username, adminCredentials.password);
  });
});

describe("passwords", () => {
  it("makes a new user change the temporary password before anything else", async () => {
    const created = (
      await gw.admin.post("/api/users", { username: "erin", roles: ["license-admin"] })
    ).json();
    const erin = new Browser(gw.app);
    await erin.signIn("erin", created.temporaryPassword);
    const blocked = await erin.get("/api/modules");
    expect(blocked.statusCode).toBe(200); // signed-in routes stay open
    const refused = await erin.get("/api/users");
    expect(refused.statusCode).toBe(403);
    expect(refused.json<ErrorResponse>().message).toMatch(/change your password/i);
    expect(
      (
        await erin.post("/api/auth/password", {
          currentPassword: created.temporaryPassword,
          newPassword: "erins-own-password",
        })
      ).statusCode,
    ).toBe(204);
    expect((await erin.get("/api/auth/session")).json().user.mustChangePassword).toBe(false);
    expect((await new Browser(gw.app).signIn("erin", "erins-own-password")).statusCode).toBe(200);
    expect((await new Browser(gw.app).signIn("erin", created.temporaryPassword)).statusCode).toBe(401);
  });

  it("checks the current password and the password rules, naming the field", async () => {
    const user = await gw.userWith(["viewer"], "frank");
    const wrong = await user.post("/api/auth/password", {
      currentPassword: "not-it-at-all",
      newPassword: "frank-new-password",
    });
    expect(wrong.statusCode).toBe(400); // not 401: the session is fine
    expect(issuesOf(wrong)).toEqual(["currentPassword"]);
    const short = await user.post("/api/auth/password", {
      currentPassword: user.password,
      newPassword: "short",
    });
    expect(issuesOf(short)).toEqual(["newPassword"]);
    expect(short.json<ErrorResponse>().message).toMatch(/at least 12/);
    const named = await user.post("/api/auth/password", {
      currentPassword: user.password,
      newPassword: "FRANK",
    });
    expect(named.json<ErrorResponse>().details?.issues?.map((i) => i.message)).toContain(
      "must not be the username",
    );
    expect((await new Browser(gw.app).signIn("frank", user.password!)).statusCode).toBe(200);
  });

  it("resets a forgotten password to a temporary one", async () => {
    const user = await gw.userWith(["support"], "grace");
    const id = await idOf(user);
    const reset = await gw.admin.post(`/api/users/${id}/password-reset`);
    expect(reset.statusCode).toBe(200);
    const { temporaryPassword } = reset.json();
    expect((await new Browser(gw.app).signIn("grace", user.password!)).statusCode).toBe(401);
    const again = new Browser(gw.app);
    expect((await again.signIn("grace", temporaryPassword)).json().user.mustChangePassword).toBe(true);
  });
});
