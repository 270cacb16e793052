import { BodyStore, bodyRefHeader } from "@licensing/bus";
import { LicenseManager, MemoryStorage } from "@licensing/client";
import type { Account, HandoffItem, IssuedLicense, LicenseDetail } from "@licensing/contracts";
import { licenseFilesStream } from "@licensing/distribution";
import { type ErrorResponse, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { MAX_PAYLOAD_BYTES } from "@licensing/model";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DistributionBeside, startDistributionBeside } from "./distribution-beside.ts";

// Licenses at the model's payload limit (2 MiB), end to end with NATS' default 1 MiB max_payload:
// created, shown, renewed and re-issued through the gateway, carried by events to distribution,
// downloaded and verified by the client, handed off to license servers by stream and by sync. Past
// a limit, a 413 that names it, and nothing stored.
let gw: GatewayUnderTest;
let dist: DistributionBeside;
let account: Account;
const syncToken = "sync-token-for-large-licenses-0001";

/** Metadata of `entries` values of 2,000 characters: ~2 KB of payload each. */
function metadataOf(entries: number): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (let i = 0; i < entries; i++) metadata[`k${String(i).padStart(4, "0")}`] = `${i}`.padEnd(2_000, "x");
  return metadata;
}

async function licenseCount(): Promise<number> {
  const page = await gw.admin.get(`/api/licenses?accountId=${account.id}&limit=500`);
  expect(page.statusCode).toBe(200);
  return page.json<{ items: unknown[] }>().items.length;
}

beforeAll(async () => {
  gw = await startGateway({ issuer: true, activateCrm: true });
  dist = await startDistributionBeside(gw, { syncTokens: [syncToken] });
  await gw.admin.post("/api/products", { code: "collector", name: "Collector" });
  account = (await gw.admin.post("/api/accounts", { type: "customer", name: "Bigcorp" })).json<Account>();
});
afterAll(async () => {
  await dist?.stop();
  await gw?.stop();
});

describe("a license at the model's 2 MiB limit", () => {
  let issued: IssuedLicense;

  it("is created through the HTTP API, answered whole, and shown", async () => {
    // 1,040 values of 2,000 characters: just under 2 MiB of canonical payload.
    const metadata = metadataOf(1_040);
    const created = await gw.admin.post("/api/licenses", {
      accountId: account.id,
      products: ["collector"],
      kind: "commercial",
      metadata,
      idempotencyKey: "large-license-0001",
    });
    expect(created.statusCode, created.body.slice(0, 300)).toBe(201);
    issued = created.json<{ licenses: IssuedLicense[] }>().licenses[0]!;
    expect(issued.file.length).toBeGreaterThan(3_700_000);
    expect(Object.keys(issued.license.metadata)).toHaveLength(1_040);

    const shown = await gw.admin.get(`/api/licenses/${issued.license.id}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json<LicenseDetail>().metadata).toEqual(metadata);
    const file = await gw.admin.get(`/api/licenses/${issued.license.id}/file`);
    expect(file.statusCode).toBe(200);
    expect(file.body === issued.file).toBe(true);

    // The same request again returns the first answer, whole, and creates nothing.
    const again = await gw.admin.post("/api/licenses", {
      accountId: account.id,
      products: ["collector"],
      kind: "commercial",
      metadata,
      idempotencyKey: "large-license-0001",
    });
    expect(again.statusCode).toBe(201);
    expect(again.json<{ licenses: IssuedLicense[] }>().licenses[0]!.license.id).toBe(issued.license.id);
    expect(await licenseCount()).toBe(1);
  });

  it("is renewed and re-issued, listed and exported", async () => {
    const renewed = await gw.admin.post(`/api/licenses/${issued.license.id}/renew`, { extendDays: 30 });
    expect(renewed.statusCode, renewed.body.slice(0, 300)).toBe(200);
    expect(renewed.json<LicenseDetail>().serial).toBe(2);
    const reissued = await gw.admin.post(`/api/licenses/${issued.license.id}/reissue`, {
      reason: "new key",
    });
    expect(reissued.statusCode).toBe(200);
    expect(reissued.json<LicenseDetail>().serial).toBe(3);
    const versions = await gw.admin.get(`/api/licenses/${issued.license.id}/versions`);
    expect(versions.json<{ items: { serial: number; size: number }[] }>().items.map((v) => v.serial)).toEqual(
      [3, 2, 1],
    );
    const list = await gw.admin.get(`/api/licenses?accountId=${account.id}`);
    expect(list.json<{ items: { id: string }[] }>().items.map((l) => l.id)).toEqual([issued.license.id]);
    const csv = await gw.admin.get(`/api/licenses/export.csv?accountId=${account.id}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain(issued.license.id);
  });

  it("reaches distribution by event, downloads, and verifies in the client", async () => {
    await dist.knows(issued.licenseKey);
    const keys = await fetch(`${dist.url}/v1/keys`).then((r) => r.json() as Promise<{ keys: never[] }>);
    const manager = new LicenseManager({
      product: "collector",
      serverUrl: dist.url,
      licenseKey: issued.licenseKey,
      trustedKeys: keys.keys,
      storage: new MemoryStorage(),
    });
    // The renewals' events arrive after the issue's: wait for the newest file.
    await expect.poll(async () => (await manager.fetchLicense()).license.serial, { timeout: 15_000 }).toBe(3);
    const license = await manager.load();
    expect(Object.keys(license.metadata)).toHaveLength(1_040);
    await manager.validate();
  });

  it("is handed off to license servers by sync and on the stream, by reference", async () => {
    const sync = await fetch(`${dist.url}/v1/sync?limit=10`, {
      headers: { authorization: `Bearer ${syncToken}` },
    });
    expect(sync.status).toBe(200);
    const page = (await sync.json()) as { items: HandoffItem[] };
    const item = page.items.find((i) => i.licenseId === issued.license.id)!;
    expect(item.serial).toBe(3);
    const current = await gw.admin.get(`/api/licenses/${issued.license.id}/file`);
    expect(item.file === current.body).toBe(true);

    const jsm = await jetstreamManager(gw.env.nc);
    await expect
      .poll(
        async () => {
          const message = await jsm.streams
            .getMessage(licenseFilesStream(gw.env.prefix), {
              last_by_subj: `${gw.env.prefix}.license-files.${issued.license.id}`,
            })
            .catch(() => null);
          if (!message?.header?.get(bodyRefHeader)) return 0;
          const body = new BodyStore(gw.env.nc, gw.env.prefix, "licenseFiles");
          const stored = (await body.readJson(
            { data: message.data, headers: message.header },
            "license file",
            {
              consume: false,
            },
          )) as HandoffItem;
          return stored.serial;
        },
        { timeout: 15_000 },
      )
      .toBe(3);
  });
});

describe("past the limits", () => {
  it("refuses a license over 2 MiB with 413 naming the limit, before anything is stored", async () => {
    const before = await licenseCount();
    const response = await gw.admin.post("/api/licenses", {
      accountId: account.id,
      products: ["collector"],
      kind: "commercial",
      metadata: metadataOf(1_060),
    });
    expect(response.statusCode).toBe(413);
    const error = response.json<ErrorResponse>();
    expect(error).toMatchObject({ code: "payload_too_large", requestId: expect.any(String) });
    expect(error.message).toContain("2 MiB");
    expect(error.details).toMatchObject({ limitBytes: MAX_PAYLOAD_BYTES });
    expect(await licenseCount()).toBe(before);
  });

  it("refuses a batch whose files pass 16 MiB together, before signing them all or storing any", async () => {
    const before = await licenseCount();
    const response = await gw.admin.post("/api/licenses", {
      accountId: account.id,
      products: ["collector"],
      kind: "commercial",
      metadata: metadataOf(500),
      count: 20,
    });
    expect(response.statusCode).toBe(413);
    expect(response.json<ErrorResponse>().message).toContain("at most 16 MiB");
    expect(await licenseCount()).toBe(before);
  });

  it("refuses a request body over the route's 8 MiB limit", async () => {
    const response = await gw.admin.post("/api/licenses", {
      accountId: account.id,
      products: ["collector"],
      metadata: { big: "x".repeat(9 * 1024 * 1024) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json<ErrorResponse>().code).toBe("payload_too_large");
  });
});

describe("an account import larger than a NATS message", () => {
  it("imports a 3 MB CSV in one request, and refuses one over 8 MiB with 413 naming the limit", async () => {
    const rows = Array.from({ length: 400 }, (_, i) => `crm-${i},Importee ${i},${"n".repeat(7_500)}`);
    const csv = ["external id,name,notes", ...rows].join("\n");
    expect(csv.length).toBeGreaterThan(3_000_000);
    const imported = await gw.admin.post("/api/accounts/import", { csv });
    expect(imported.statusCode, imported.body.slice(0, 300)).toBe(200);
    expect(imported.json<{ created: number }>().created).toBe(400);

    const tooLarge = await gw.admin.post("/api/accounts/import", { csv: "x".repeat(9 * 1024 * 1024) });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json<ErrorResponse>()).toMatchObject({ code: "payload_too_large" });
  });
});
