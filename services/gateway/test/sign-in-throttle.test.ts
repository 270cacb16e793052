import { type Orm, queryOne } from "@licensing/platform";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  admit,
  type Backoff,
  type Counter,
  ceilingOf,
  defaultSignInPolicy,
  delayAfter,
  remaining,
  type Scope,
  SignInThrottle,
  succeed,
} from "../src/domain/sign-in-throttle.ts";
import { addressKey } from "../src/http/login-limits.ts";
import { openGatewayDatabase } from "../src/service.ts";

const second = 1000;
const minute = 60 * second;
const backoff: Backoff = {
  free: 5,
  firstDelayMs: second,
  maxDelayMs: 15 * minute,
  forgetOneEveryMs: 15 * minute,
};
const t0 = new Date("2030-01-01T00:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const fresh = (): Counter => ({ failures: 0, updatedAt: t0, blockedUntil: t0, lastSuccessAt: null });
const counters = (overrides: Partial<Record<Scope, Partial<Counter>>> = {}): Record<Scope, Counter> => ({
  address: { ...fresh(), ...overrides.address },
  pair: { ...fresh(), ...overrides.pair },
  username: { ...fresh(), ...overrides.username },
});

describe("the backoff", () => {
  it("waits nothing for the free failures, then doubles from the first delay up to the longest", () => {
    const waits = Array.from({ length: 18 }, (_, failures) => delayAfter(backoff, failures) / second);
    expect(waits).toEqual([0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
    expect(ceilingOf(backoff)).toBe(15);
    expect(delayAfter(backoff, ceilingOf(backoff))).toBe(backoff.maxDelayMs);
  });

  it("forgets one failure per period, and counts a partly forgotten one whole", () => {
    const counter = { ...fresh(), failures: 7 };
    expect(remaining(backoff, counter, at(15 * minute))).toBe(6);
    expect(remaining(backoff, counter, at(7.5 * minute))).toBe(6.5);
    expect(delayAfter(backoff, 6.5)).toBe(delayAfter(backoff, 7));
    expect(remaining(backoff, counter, at(24 * 60 * minute))).toBe(0);
  });
});

describe("a decision", () => {
  const policy = defaultSignInPolicy;

  it("counts an admitted attempt in every scope at once, and sets the next wait", () => {
    const { admission, changes } = admit(policy, counters({ pair: { failures: 4 } }), t0);
    expect(admission).toEqual({ admitted: true, counted: ["address", "pair", "username"] });
    expect(changes.pair).toMatchObject({ failures: 5, blockedUntil: at(second) });
    expect(changes.address).toMatchObject({ failures: 1, blockedUntil: t0 });
  });

  it("refuses until the latest wait of the counters that apply, and changes nothing", () => {
    const { admission, changes } = admit(
      policy,
      counters({ pair: { blockedUntil: at(5 * second) }, address: { blockedUntil: at(9 * second) } }),
      t0,
    );
    expect(admission).toEqual({ admitted: false, retryAt: at(9 * second) });
    expect(changes).toEqual({});
  });

  it("never makes anyone wait longer than the policy's longest wait when the clock was set back", () => {
    // Counted an hour "later" than now: the server's clock has since been set back an hour.
    const ahead = at(60 * minute);
    const before = counters({
      pair: { failures: 9, updatedAt: ahead, blockedUntil: new Date(ahead.getTime() + 16 * second) },
    });
    const { admission, changes: stored } = admit(policy, before, t0);
    // The wait it had (16 s) from now, not from an hour ahead; the counter is stored as of now.
    expect(admission).toEqual({ admitted: false, retryAt: at(16 * second) });
    expect(stored.pair).toMatchObject({ failures: 9, updatedAt: t0, blockedUntil: at(16 * second) });
    // Once that wait is over the next attempt is counted on what the counter held.
    const { admission: next, changes } = admit(policy, { ...before, ...stored }, at(16 * second));
    expect(next.admitted).toBe(true);
    expect(changes.pair!.failures).toBeCloseTo(10 - 16 / (15 * 60), 2);
  });

  it("leaves the username ceiling out where the user signed in lately", () => {
    const lately = counters({ pair: { lastSuccessAt: at(-minute) }, username: { blockedUntil: at(minute) } });
    expect(admit(policy, lately, t0).admission).toEqual({ admitted: true, counted: ["address", "pair"] });
    const longAgo = counters({
      pair: { lastSuccessAt: at(-policy.trustedForMs) },
      username: { blockedUntil: at(minute) },
    });
    expect(admit(policy, longAgo, t0).admission).toEqual({ admitted: false, retryAt: at(minute) });
  });

  it("on success, starts the pair afresh and takes back only what the attempt counted", () => {
    const before = counters({
      pair: { failures: 9, blockedUntil: at(minute) },
      address: { failures: 30, blockedUntil: at(10 * minute) },
      username: { failures: 3 },
    });
    const changes = succeed(policy, before, ["address", "pair"], t0);
    expect(changes.pair).toEqual({ failures: 0, updatedAt: t0, blockedUntil: t0, lastSuccessAt: t0 });
    // 29 failures still call for a wait of 2^9 s, shorter than the one this attempt had set.
    expect(changes.address).toMatchObject({ failures: 29, blockedUntil: at(512 * second) });
    expect(changes.username).toBeUndefined();
  });
});

describe("client addresses", () => {
  it("counts IPv4 as it is and IPv6 by its /64", () => {
    expect(addressKey("203.0.113.9")).toBe("203.0.113.9");
    expect(addressKey("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(addressKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:DB8:1:2::7")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("64:ff9b::192.0.2.33")).toBe("64:ff9b:0:0::/64");
  });
});

describe("the counters in PostgreSQL", () => {
  let env: TestEnv;
  let orm: Orm;
  let now = t0;
  beforeAll(async () => {
    env = await createTestEnv();
    orm = await openGatewayDatabase(env.databaseUrl, env.log);
  });
  afterAll(async () => {
    await orm?.close();
    await env?.stop();
  });

  it("are swept once they hold nothing, except where a user signed in lately", async () => {
    const throttle = new SignInThrottle(orm, defaultSignInPolicy, () => now);
    const count = async () =>
      Number((await queryOne<{ n: string }>(orm, "select count(*) as n from gateway.sign_in_throttle"))!.n);
    await throttle.admit({ usernameKey: "mallory-target", address: "198.51.100.1" });
    const admission = await throttle.admit({ usernameKey: "alice", address: "198.51.100.2" });
    if (!admission.admitted) throw new Error("refused");
    await throttle.succeeded({ usernameKey: "alice", address: "198.51.100.2" }, admission.counted);
    expect(await count()).toBe(6);

    expect(await throttle.sweep()).toBe(0);
    now = at(24 * 60 * minute);
    // Everything but Alice's pair, which says she signed in from there.
    expect(await throttle.sweep()).toBe(5);
    now = at(31 * 24 * 60 * minute);
    expect(await throttle.sweep()).toBe(1);
    expect(await count()).toBe(0);
  });
});
