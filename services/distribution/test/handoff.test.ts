import { randomUUID } from "node:crypto";
import { handoffItemSchema, issuer } from "@licensing/contracts";
import { legacyKeyLookupHash } from "@licensing/model";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { licenseFilesStream } from "../src/domain/handoff.ts";
import {
  as,
  type DistributionUnderTest,
  freshRateWindow,
  startDistribution,
  superadmin,
} from "./distribution-harness.ts";

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

/** The newest message of a license on the license-files stream, once `ready` says it is the one awaited. */
async function lastMessage(
  licenseId: string,
  ready: (item: ReturnType<typeof handoffItemSchema.parse>) => boolean,
) {
  const subject = `${t.env.prefix}.license-files.${licenseId}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const message = await (await jetstreamManager(t.env.nc)).streams
      .getMessage(licenseFilesStream(t.env.prefix), { last_by_subj: subject })
      .catch(() => null);
    const item = message ? handoffItemSchema.parse(message.json()) : undefined;
    if (item && ready(item)) return item;
    if (Date.now() > deadline)
      throw new Error(`no awaited message for ${licenseId}: ${JSON.stringify(item)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("legacy keys in the hand-off", () => {
  it("carries a migrated license's legacy key hash, on /v1/sync and on the stream, and null for others", async () => {
    const cursor = (await sync()).json().nextCursor ?? undefined;
    const guid = randomUUID();
    const { id } = await t.importLegacy(guid);
    const native = await t.issue();
    const items = (await sync(cursor)).json().items.map((i: unknown) => handoffItemSchema.parse(i));
    const hash = legacyKeyLookupHash(guid);
    expect(items.find((i: { licenseId: string }) => i.licenseId === id)).toMatchObject({
      legacyKeyHash: hash,
    });
    expect(items.find((i: { licenseId: string }) => i.licenseId === native.id)).toMatchObject({
      legacyKeyHash: null,
    });
    expect(await lastMessage(id, () => true)).toMatchObject({ licenseId: id, legacyKeyHash: hash });
    expect(await lastMessage(native.id, () => true)).toMatchObject({ legacyKeyHash: null });
  });

  it("hands off the license that lost its legacy key to a re-import, so a server stops taking the GUID for it", async () => {
    const guid = randomUUID();
    const admin = { ctx: { requestId: "req_handoff_legacy", actor: superadmin } };
    const first = await t.importLegacy(guid);
    await t.env.bus.request(issuer.rollbackMigration, { runId: first.runId }, admin);
    await t.synced(first.id, 1, "revoked");
    const cursor = (await sync()).json().nextCursor ?? undefined;
    const again = await t.importLegacy(guid);
    const items = (await sync(cursor)).json().items.map((i: unknown) => handoffItemSchema.parse(i));
    expect(
      items.map((i: { licenseId: string; legacyKeyHash: string | null }) => [i.licenseId, i.legacyKeyHash]),
    ).toEqual([
      [again.id, legacyKeyLookupHash(guid)],
      [first.id, null],
    ]);
    expect(await lastMessage(first.id, (item) => item.legacyKeyHash === null)).toMatchObject({
      state: "revoked",
    });
  });

  it("reads a message published before the member existed as having no legacy key", () => {
    const { legacyKeyHash: _added, ...older } = {
      version: 1,
      cursor: "7",
      licenseId: "lic_1",
      keyHash: "a".repeat(64),
      legacyKeyHash: null,
      accountId: "acc_1",
      state: "active",
      serial: 1,
      encrypted: false,
      products: ["collector"],
      kind: "commercial",
      startDate: "2026-01-01T00:00:00.000Z",
      endDate: null,
      file: "file",
      changedAt: "2026-01-01T00:00:00.000Z",
    };
    expect(handoffItemSchema.parse(older).legacyKeyHash).toBeNull();
  });
});

describe("rate limits", () => {
  it("answer 429 rate_limited with Retry-After past the per-key limit", async () => {
    const { licenseKey } = await t.issue();
    await freshRateWindow();
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await t.call("GET", "/v1/license", { key: licenseKey }));
    expect(answers.slice(0, 5).every((a) => a.statusCode === 200)).toBe(true);
    const limited = answers[5]!;
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe("rate_limited");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
  });
});
