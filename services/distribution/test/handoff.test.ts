import { handoffItemSchema, issuer } from "@licensing/contracts";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { licenseFilesStream } from "../src/domain/handoff.ts";
import { as, type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

const token = "server-token-0123456789abcdef0123456789";
let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution({ syncTokens: [token], rateLimits: { perIp: 0, perKey: 5 } });
});
afterAll(() => t?.stop());

const sync = (cursor?: string, limit = 200) =>
  t.call("GET", `/v1/sync?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`, {
    headers: { authorization: `Bearer ${token}` },
  });

describe("hand-off to the license server", () => {
  it("serves every license issued or changed since a cursor, newest state only", async () => {
    const before = (await sync()).json();
    const cursor = before.nextCursor ?? undefined;
    const a = await t.issue();
    const b = await t.issue();
    await t.env.bus.request(issuer.suspend, { id: a.id, reason: "testing the feed" }, as);
    await t.synced(a.id, 1, "suspended");
    const page = (await sync(cursor, 1)).json();
    expect(page.items).toHaveLength(1);
    expect(page.hasMore).toBe(true);
    const rest = (await sync(page.nextCursor)).json();
    const items = [...page.items, ...rest.items].map((i) => handoffItemSchema.parse(i));
    // `a` changed after `b`: it comes last, once, with its newest state.
    expect(items.map((i) => i.licenseId)).toEqual([b.id, a.id]);
    expect(items[1]).toMatchObject({ state: "suspended", file: a.file, serial: 1 });
    expect(rest.hasMore).toBe(false);
    const nothing = (await sync(rest.nextCursor)).json();
    expect(nothing).toEqual({ items: [], nextCursor: rest.nextCursor, hasMore: false });
  });

  it("needs a valid server token", async () => {
    expect((await t.call("GET", "/v1/sync")).statusCode).toBe(401);
    const wrong = await t.call("GET", "/v1/sync", { headers: { authorization: "Bearer not-the-token" } });
    expect(wrong.json().code).toBe("unauthorized");
    const bad = await t.call("GET", "/v1/sync?cursor=abc", { headers: { authorization: `Bearer ${token}` } });
    expect(bad.statusCode).toBe(400);
  });

  it("publishes each license's newest file on the license-files stream", async () => {
    const issued = await t.issue();
    await t.env.bus.request(issuer.renew, { id: issued.id, extendDays: 5 }, as);
    await t.synced(issued.id, 2);
    const stream = licenseFilesStream(t.env.prefix);
    const subject = `${t.env.prefix}.license-files.${issued.id}`;
    const deadline = Date.now() + 10_000;
    let last: ReturnType<typeof handoffItemSchema.parse> | undefined;
    while (Date.now() < deadline) {
      const message = await (await jetstreamManager(t.env.nc)).streams
        .getMessage(stream, { last_by_subj: subject })
        .catch(() => null);
      last = message ? handoffItemSchema.parse(message.json()) : undefined;
      if (last?.serial === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(last).toMatchObject({ licenseId: issued.id, serial: 2, state: "active" });
    // One message per license is kept: a server starting now reads each license's current file.
    const info = await (await jetstreamManager(t.env.nc)).streams.info(stream);
    expect(info.config.max_msgs_per_subject).toBe(1);
  });
});

describe("rate limits", () => {
  it("answer 429 rate_limited with Retry-After past the per-key limit", async () => {
    const { licenseKey } = await t.issue();
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await t.call("GET", "/v1/license", { key: licenseKey }));
    expect(answers.slice(0, 5).every((a) => a.statusCode === 200)).toBe(true);
    const limited = answers[5]!;
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe("rate_limited");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
  });
});
