import { BusClient } from "@licensing/bus";
import { accountAnswerLeaseMs, catalog } from "@licensing/contracts";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CatalogLookup } from "../src/domain/catalog-lookup.ts";
import { type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

let under: IssuerUnderTest;
let bus: BusClient;
beforeAll(async () => {
  under = await startIssuer();
  bus = new BusClient(await under.env.connect("issuer"), { prefix: under.env.prefix });
});
afterAll(() => under?.stop());
afterEach(() => vi.restoreAllMocks());

// The clock the leases are read by (performance.now, as lru-cache reads it too), moved on by hand: what is asserted is which questions reach the real catalog, not how long anything takes.
function clock() {
  const real = performance.now.bind(performance);
  let ahead = 0;
  vi.spyOn(performance, "now").mockImplementation(() => real() + ahead);
  return {
    // lru-cache keeps a reading of the clock for a millisecond: let it lapse.
    advance: async (ms: number) => {
      ahead += ms;
      await new Promise((resolve) => setTimeout(resolve, 2));
    },
  };
}

/** Every question the lookup puts to the catalog, as it is answered. */
function questions() {
  const request = vi.spyOn(bus, "request");
  return {
    /** How many were sent: the lookup sends what was asked during a turn of the event loop at its end. */
    count: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return request.mock.calls.length;
    },
    answered: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.allSettled(request.mock.results.map((result) => result.value));
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe("the catalog's answers about accounts", () => {
  it("asks again for an account in use before its lease runs out: steady requests never wait", async () => {
    const account = await under.account({ name: "Steady Ltd" });
    const lookup = new CatalogLookup(bus);
    const time = clock();
    const asked = questions();
    await expect(lookup.licensableAccount(account.id)).resolves.toMatchObject({ id: account.id });
    expect(await asked.count()).toBe(1);
    // Early in the lease: answered from it, nothing asked.
    await time.advance(accountAnswerLeaseMs / 4);
    await lookup.licensableAccount(account.id);
    expect(await asked.count()).toBe(1);
    // Near its end: still answered from it, and the catalog is asked for the next one meanwhile.
    await time.advance(accountAnswerLeaseMs / 2);
    await lookup.licensableAccount(account.id);
    await lookup.licensableAccount(account.id);
    expect(await asked.count()).toBe(2);
    await asked.answered();
    // Past the first lease's end, the second one answers.
    await time.advance(accountAnswerLeaseMs / 2);
    await expect(lookup.licensableAccount(account.id)).resolves.toMatchObject({ id: account.id });
    expect(await asked.count()).toBe(2);
    // Left unused past its end, the lease is gone, and the next request asks.
    await time.advance(accountAnswerLeaseMs * 2);
    await lookup.licensableAccount(account.id);
    expect(await asked.count()).toBe(3);
  });

  it("ends the lease in hand when its renewal finds the account archived", async () => {
    const account = await under.account({ name: "Renewed Then Gone" });
    const lookup = new CatalogLookup(bus);
    const time = clock();
    await lookup.licensableAccount(account.id);
    const leased = performance.now();
    // The archive commits, and is answered a lease later: meanwhile the lease in hand nears its end.
    const archiving = under.env.bus.request(catalog.archiveAccount, { id: account.id });
    await expect
      .poll(() => under.env.bus.request(catalog.getAccount, { id: account.id }), { interval: 5 })
      .toMatchObject({ archived: true });
    await time.advance(Math.max(0, accountAnswerLeaseMs - 60 - (performance.now() - leased)));
    const asked = questions();
    // Answered from the lease in hand, whose renewal is asked (on a slow machine the lease may
    // already have run out, and this is refused at once).
    await lookup.licensableAccount(account.id).catch(() => undefined);
    await asked.answered();
    await expect(lookup.licensableAccount(account.id)).rejects.toMatchObject({ code: "account_archived" });
    await archiving;
  });
});
