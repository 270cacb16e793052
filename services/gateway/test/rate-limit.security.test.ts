import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminCredentials,
  Browser,
  type ErrorResponse,
  type GatewayUnderTest,
  startGateway,
} from "./gateway-harness.ts";

const minute = 60_000;
let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway({
    loginLimits: { perAddress: { max: 12, windowMs: minute }, perUsername: { max: 3, windowMs: minute } },
  });
});
afterAll(() => gw?.stop());

const attempt = (username: string, password: string) => new Browser(gw.app).signIn(username, password);

describe("sign-in rate limits", () => {
  it("locks a username after repeated failures, even for the right password, with Retry-After", async () => {
    const user = await gw.userWith(["viewer"], "guessed"); // one success: successes never count
    for (let i = 0; i < 3; i++) expect((await attempt("guessed", `wrong-${i}`)).statusCode).toBe(401);
    const locked = await attempt("GUESSED", user.password!);
    expect(locked.statusCode).toBe(429);
    expect(locked.json<ErrorResponse>()).toMatchObject({
      code: "rate_limited",
      requestId: expect.stringMatching(/^req_/),
    });
    const retryAfter = Number(locked.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another username is not affected.
    expect((await attempt(adminCredentials.username, adminCredentials.password)).statusCode).toBe(200);
  });

  it("limits every attempt from one address, whatever the username", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attempt(`someone-${i}`, "nope-nope-nope")).statusCode);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThan(0);
    const blocked = await attempt(adminCredentials.username, adminCredentials.password);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers["retry-after"]).toBeDefined();
  });
});
