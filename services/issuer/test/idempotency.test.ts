import { issuer } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actors, as, collectorProduct, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

let under: IssuerUnderTest;
beforeAll(async () => {
  under = await startIssuer();
  await under.addReplica();
  await under.product("collector", collectorProduct);
});
afterAll(() => under?.stop());

async function licensesOf(accountId: string) {
  return (await under.env.bus.request(issuer.listLicenses, { accountId, limit: 500 })).items;
}

describe("idempotent creation", () => {
  it("answers a repeated request with the first answer and creates nothing new", async () => {
    const account = await under.account();
    const request = {
      accountId: account.id,
      products: ["collector"],
      count: 2,
      idempotencyKey: "order-1001-line-1",
    };
    const first = await under.env.bus.request(issuer.createLicense, request, as(actors.sales));
    const again = await under.env.bus.request(issuer.createLicense, request, as(actors.sales));
    expect(again).toEqual(first);
    expect(await licensesOf(account.id)).toHaveLength(2);
  });

  it("creates once when twenty twins arrive at once, across two replicas", async () => {
    const account = await under.account();
    const request = { accountId: account.id, products: ["collector"], idempotencyKey: "twins-at-once" };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        under.env.bus.request(issuer.createLicense, request, as(actors.sales)),
      ),
    );
    const ids = new Set(answers.map((a) => a.licenses[0]!.license.id));
    expect(ids.size).toBe(1);
    expect(new Set(answers.map((a) => a.licenses[0]!.licenseKey)).size).toBe(1);
    expect(await licensesOf(account.id)).toHaveLength(1);
  });

  it("refuses the same key for a different request", async () => {
    const account = await under.account();
    await under.env.bus.request(
      issuer.createLicense,
      { accountId: account.id, products: ["collector"], idempotencyKey: "reused-key-1" },
      as(actors.sales),
    );
    await expect(
      under.env.bus.request(
        issuer.createLicense,
        { accountId: account.id, products: ["collector"], count: 3, idempotencyKey: "reused-key-1" },
        as(actors.sales),
      ),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(await licensesOf(account.id)).toHaveLength(1);
  });

  it("keeps keys apart per user", async () => {
    const account = await under.account();
    const request = { accountId: account.id, products: ["collector"], idempotencyKey: "same-key-two-users" };
    const bySales = await under.env.bus.request(issuer.createLicense, request, as(actors.sales));
    const byAdmin = await under.env.bus.request(issuer.createLicense, request, as(actors.licenseAdmin));
    expect(byAdmin.licenses[0]!.license.id).not.toBe(bySales.licenses[0]!.license.id);
  });

  it("renews once for a repeated renew request", async () => {
    const account = await under.account();
    const { licenses } = await under.env.bus.request(
      issuer.createLicense,
      { accountId: account.id, products: ["collector"] },
      as(actors.sales),
    );
    const id = licenses[0]!.license.id;
    const renew = { id, extendDays: 30, idempotencyKey: "renew-once-please" };
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => under.env.bus.request(issuer.renew, renew, as(actors.sales))),
    );
    expect(new Set(answers.map((a) => a.serial))).toEqual(new Set([2]));
    expect((await under.env.bus.request(issuer.listVersions, { id })).items).toHaveLength(2);
  });
});
