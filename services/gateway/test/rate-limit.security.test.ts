import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignInPolicy } from "../src/domain/sign-in-throttle.ts";
import {
  adminCredentials,
  Browser,
  type ErrorResponse,
  type GatewayUnderTest,
  startGateway,
} from "./gateway-harness.ts";

const second = 1000;
const minute = 60 * second;
// Small numbers, so a test reaches every limit in a few attempts; the clock is the harness's.
const policy: SignInPolicy = {
  pair: { free: 3, firstDelayMs: second, maxDelayMs: minute, forgetOneEveryMs: 10 * minute },
  address: { free: 8, firstDelayMs: second, maxDelayMs: minute, forgetOneEveryMs: 10 * minute },
  username: { free: 12, firstDelayMs: second, maxDelayMs: 30 * second, forgetOneEveryMs: 10 * minute },
  trustedForMs: 24 * 60 * minute,
};

let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway({ loginLimits: policy });
});
afterAll(() => gw?.stop());

// Each test uses addresses of its own (the counters outlive a test).
let addresses = 0;
const freshAddress = () => `198.51.100.${++addresses}`;
const from = (address: string) => ({
  signIn: (username: string, password: string) => new Browser(gw.app, { address }).signIn(username, password),
});
const retryAfter = (response: { headers: Record<string, unknown> }) =>
  Number(response.headers["retry-after"]);

describe("sign-in limits per username and address", () => {
  it("makes further attempts wait after a few failures, even with the right password, and says until when", async () => {
    const user = await gw.userWith(["viewer"], "guessed");
    const attacker = from(freshAddress());
    for (let i = 0; i < 3; i++) expect((await attacker.signIn("guessed", `wrong-${i}`)).statusCode).toBe(401);

    const refused = await attacker.signIn("GUESSED", user.password!);
    expect(refused.statusCode).toBe(429);
    expect(retryAfter(refused)).toBe(1);
    const body = refused.json<ErrorResponse>();
    expect(body).toMatchObject({ code: "rate_limited", requestId: expect.stringMatching(/^req_/) });
    const retryAt = new Date(gw.clock.now().getTime() + second).toISOString();
    expect(body.message).toBe(`Too many sign-in attempts: try again in 1 second (after ${retryAt})`);
    expect(body.details).toEqual({ retryAfterSeconds: 1, retryAt });

    // Each further failure doubles the wait.
    gw.clock.advance(second);
    expect((await attacker.signIn("guessed", "wrong-again")).statusCode).toBe(401);
    expect(retryAfter(await attacker.signIn("guessed", user.password!))).toBe(2);
    gw.clock.advance(2 * second);
    expect((await attacker.signIn("guessed", "wrong-again")).statusCode).toBe(401);
    expect(retryAfter(await attacker.signIn("guessed", user.password!))).toBe(4);

    // Once the wait is over, the right password signs in and the pair starts afresh.
    gw.clock.advance(4 * second);
    expect((await attacker.signIn("guessed", user.password!)).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expect((await attacker.signIn("guessed", `wrong-${i}`)).statusCode).toBe(401);
    expect((await attacker.signIn("guessed", "wrong")).statusCode).toBe(429);
  });

  it("caps the wait, and never keeps the user out when they sign in from elsewhere", async () => {
    const user = await gw.userWith(["viewer"], "besieged");
    const attacker = from(freshAddress());
    const waits: number[] = [];
    for (let i = 0; waits.length < 8; i++) {
      const response = await attacker.signIn("besieged", `wrong-${i}`);
      if (response.statusCode === 429) {
        waits.push(retryAfter(response));
        gw.clock.advance(retryAfter(response) * second);
      } else expect(response.statusCode).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
    expect((await attacker.signIn("besieged", "wrong")).statusCode).toBe(401);
    expect(retryAfter(await attacker.signIn("besieged", user.password!))).toBe(60);

    // Where the user signed in before, and from a new place: the attacker's counter is not theirs.
    expect((await from("127.0.0.1").signIn("besieged", user.password!)).statusCode).toBe(200);
    expect((await from(freshAddress()).signIn("besieged", user.password!)).statusCode).toBe(200);
    expect((await attacker.signIn("besieged", user.password!)).statusCode).toBe(429);
  });

  it("lets no concurrent attempts slip past the limit, on any replica", async () => {
    await gw.userWith(["viewer"], "rushed");
    const address = freshAddress();
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => from(address).signIn("rushed", `wrong-${i}`)),
    );
    const counts = (list: { statusCode: number }[]) =>
      Object.fromEntries([401, 429].map((s) => [s, list.filter((r) => r.statusCode === s).length]));
    expect(counts(statuses)).toEqual({ 401: 3, 429: 17 });

    const replica = await gw.startAnother();
    const elsewhere = await new Browser(replica.app, { address }).signIn("rushed", "wrong");
    expect(elsewhere.statusCode).toBe(429);
  });

  it("answers an unknown username exactly as a known one", async () => {
    const known = from(freshAddress());
    const unknown = from(freshAddress());
    const seen = { known: [] as string[], unknown: [] as string[] };
    for (let i = 0; i < 6; i++) {
      for (const [name, who, username] of [
        ["known", known, adminCredentials.username],
        ["unknown", unknown, "nobody-at-all"],
      ] as const) {
        const response = await who.signIn(username, `wrong-${i}`);
        seen[name].push(`${response.statusCode} ${response.headers["retry-after"] ?? "-"}`);
      }
      gw.clock.advance(second);
    }
    expect(seen.known).toEqual(seen.unknown);
    expect(seen.known).toContain("429 1");
  });
});

describe("the limit per address", () => {
  it("stops one address from trying many usernames, not the same users elsewhere", async () => {
    const address = freshAddress();
    for (let i = 0; i < 8; i++)
      expect((await from(address).signIn(`someone-${i}`, "nope")).statusCode).toBe(401);
    const blocked = await from(address).signIn(adminCredentials.username, adminCredentials.password);
    expect(blocked.statusCode).toBe(429);
    expect(retryAfter(blocked)).toBe(1);
    expect(
      (await from(freshAddress()).signIn(adminCredentials.username, adminCredentials.password)).statusCode,
    ).toBe(200);
  });

  it("counts no success against the address, and a success does not clear it", async () => {
    const insider = await gw.userWith(["viewer"], "insider");
    const address = freshAddress();
    for (let i = 0; i < 7; i++) {
      expect((await from(address).signIn(`victim-${i}`, "nope")).statusCode).toBe(401);
      // An attacker holding one account signs in between guesses: that buys no guess.
      expect((await from(address).signIn("insider", insider.password!)).statusCode).toBe(200);
    }
    expect((await from(address).signIn("victim-7", "nope")).statusCode).toBe(401);
    expect((await from(address).signIn("insider", insider.password!)).statusCode).toBe(429);
  });
});

describe("the ceiling per username", () => {
  it("slows a distributed attack on one username, but not the user where they signed in lately", async () => {
    const user = await gw.userWith(["viewer"], "famous"); // signed in from 127.0.0.1
    for (let i = 0; i < 12; i++)
      expect((await from(freshAddress()).signIn("famous", "guess")).statusCode).toBe(401);
    const fromNowhere = await from(freshAddress()).signIn("famous", user.password!);
    expect(fromNowhere.statusCode).toBe(429);
    expect(retryAfter(fromNowhere)).toBe(1);

    expect((await from("127.0.0.1").signIn("famous", user.password!)).statusCode).toBe(200);

    // Never a lockout: the wait stays short, and the user gets in from a new place once it is over.
    const waits: number[] = [];
    for (let i = 0; i < 16; i++) {
      const response = await from(freshAddress()).signIn("famous", "guess");
      if (response.statusCode === 429) {
        waits.push(retryAfter(response));
        gw.clock.advance(retryAfter(response) * second);
      } else expect(response.statusCode).toBe(401);
    }
    expect(Math.max(...waits)).toBe(30);
    let response = await from(freshAddress()).signIn("famous", user.password!);
    if (response.statusCode === 429) {
      expect(retryAfter(response)).toBeLessThanOrEqual(30);
      gw.clock.advance(retryAfter(response) * second);
      response = await from(freshAddress()).signIn("famous", user.password!);
    }
    expect(response.statusCode).toBe(200);
  });
});

describe("the password change", () => {
  it("limits wrong current passwords with the same counters as sign-in", async () => {
    const address = freshAddress();
    const user = await gw.userWith(["viewer"], "changer");
    const browser = new Browser(gw.app, { address });
    expect((await browser.signIn("changer", user.password!)).statusCode).toBe(200);
    const change = (currentPassword: string, newPassword = "a-brand-new-password") =>
      browser.post("/api/auth/password", { currentPassword, newPassword });

    // A new password that breaks the rules is not a guess at the current one: never counted.
    for (let i = 0; i < 10; i++) {
      const response = await change(`wrong-${i}`, "short");
      expect(response.statusCode).toBe(400);
      expect(response.json<ErrorResponse>().details?.issues?.[0]?.path).toBe("newPassword");
    }
    for (let i = 0; i < 3; i++) {
      const response = await change(`wrong-${i}`);
      expect(response.statusCode).toBe(400);
      expect(response.json<ErrorResponse>().details?.issues?.[0]?.path).toBe("currentPassword");
    }
    const refused = await change(user.password!);
    expect(refused.statusCode).toBe(429);
    expect(retryAfter(refused)).toBe(1);
    expect(refused.json<ErrorResponse>().message).toMatch(
      /^Too many password attempts: try again in 1 second/,
    );
    // The same counter as signing in as that user from there.
    expect((await from(address).signIn("changer", user.password!)).statusCode).toBe(429);

    gw.clock.advance(second);
    expect((await change(user.password!)).statusCode).toBe(204);
    // The success started the pair afresh.
    for (let i = 0; i < 3; i++) expect((await change(`wrong-${i}`)).statusCode).toBe(400);
  });
});
