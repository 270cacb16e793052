import { type Account, catalog, catalogEvents, type Product } from "@licensing/contracts";
import { EventConsumer } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CatalogUnderTest, startCatalog } from "./catalog-harness.ts";

let under: CatalogUnderTest;
let consumer: EventConsumer;
const received: {
  event: string;
  payload: Account | Product | { code: string };
  requestId: string | undefined;
}[] = [];

beforeAll(async () => {
  under = await startCatalog();
  consumer = new EventConsumer({
    nc: under.env.nc,
    orm: under.orm,
    prefix: under.env.prefix,
    name: "catalog-events-test",
    log: under.env.log,
  });
  for (const type of Object.values(catalogEvents)) {
    consumer.on(type, async (payload, ctx) => {
      // What the catalog writes holds to the schema strictly, not only as a tolerant reader sees it.
      received.push({ event: type.name, payload: type.payload.parse(payload), requestId: ctx.requestId });
    });
  }
  await consumer.start();
});
afterAll(async () => {
  await consumer?.stop();
  await under?.stop();
});

describe("catalog events", () => {
  it("publishes account.created and account.updated carrying the account and the request id", async () => {
    const ctx = { requestId: "req_events_1" };
    const account = await under.env.bus.request(
      catalog.createAccount,
      { type: "prospect", name: "Evented" },
      { ctx },
    );
    const promoted = await under.env.bus.request(
      catalog.promoteAccount,
      { id: account.id },
      { ctx: { requestId: "req_events_2" } },
    );
    await expect.poll(() => received.filter((r) => (r.payload as Account).id === account.id).length).toBe(2);
    const mine = received.filter((r) => (r.payload as Account).id === account.id);
    expect(mine).toEqual([
      { event: "account.created", payload: account, requestId: "req_events_1" },
      { event: "account.updated", payload: promoted, requestId: "req_events_2" },
    ]);
  });

  it("publishes no event for an update that changes nothing", async () => {
    const account = await under.env.bus.request(catalog.createAccount, { type: "customer", name: "Quiet" });
    await under.env.bus.request(catalog.updateAccount, { id: account.id, name: "Quiet" });
    await under.env.bus.request(catalog.updateAccount, { id: account.id, name: "Loud" });
    await expect.poll(() => received.some((r) => (r.payload as Account).name === "Loud")).toBe(true);
    expect(received.filter((r) => (r.payload as Account).id === account.id).map((r) => r.event)).toEqual([
      "account.created",
      "account.updated",
    ]);
  });

  it("publishes product.updated on create and update, and product.deleted", async () => {
    await under.env.bus.request(catalog.createProduct, { code: "evented", name: "Evented" });
    await under.env.bus.request(catalog.updateProduct, { code: "evented", name: "Evented 2" });
    await under.env.bus.request(catalog.deleteProduct, { code: "evented" });
    await expect.poll(() => received.some((r) => r.event === "product.deleted")).toBe(true);
    expect(
      received
        .filter((r) => r.event.startsWith("product."))
        .map((r) => [r.event, (r.payload as Product).name ?? null]),
    ).toEqual([
      ["product.updated", "Evented"],
      ["product.updated", "Evented 2"],
      ["product.deleted", null],
    ]);
  });

  it("publishes account events for imported accounts", async () => {
    await under.env.bus.request(catalog.importAccounts, {
      csv: "external id,name\nIMP-1,Imported One\nIMP-2,Imported Two",
    });
    const imported = () =>
      received
        .filter((r) => ["Imported One", "Imported Two"].includes((r.payload as Account).name))
        .map((r) => [r.event, (r.payload as Account).name]);
    await expect.poll(() => imported().length).toBe(2);
    expect(imported().sort()).toEqual([
      ["account.created", "Imported One"],
      ["account.created", "Imported Two"],
    ]);
  });
});
