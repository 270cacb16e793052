import { BusClient } from "@licensing/bus";
import { catalog } from "@licensing/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CatalogUnderTest, startCatalog } from "./catalog-harness.ts";

// The text rule and strict requests on the bus: a service reached directly over NATS answers
// validation_failed naming the field (the endpoint adapter), and the typed client refuses such a
// request before it leaves (parseOrThrow).
let under: CatalogUnderTest;
beforeAll(async () => {
  under = await startCatalog();
});
afterAll(() => under?.stop());

const subject = () => `${under.env.prefix}.${catalog.createAccount.subject}`;
const countAccounts = async () =>
  (await under.env.bus.request(catalog.searchAccounts, { limit: 500, includeArchived: true })).items.length;
/** A raw NATS request, as any client of the bus may send it; the answer's JSON body. */
const raw = async (data: string | Uint8Array) =>
  JSON.parse((await under.env.nc.request(subject(), data)).string()) as {
    code: string;
    message: string;
    details?: { issues?: { path: string; message: string }[] };
  };

describe("the endpoint adapter", () => {
  it("answers validation_failed naming the field for a NUL or a lone surrogate, and stores nothing", async () => {
    const before = await countAccounts();
    expect(await raw('{"type":"customer","name":"Ac\\u0000me"}')).toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "name", message: "must not contain a NUL character (U+0000)" }] },
    });
    expect(await raw('{"type":"customer","name":"Acme","notes":"\\ud800"}')).toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "notes", message: "must not contain a lone UTF-16 surrogate (U+D800)" }] },
    });
    expect(
      await raw(
        '{"type":"customer","name":"Acme","contacts":[{"name":"W","email":"w@a.test","r\\u0000":1}]}',
      ),
    ).toMatchObject({ details: { issues: [{ path: "contacts.0.r\\u0000" }] } });
    expect(await countAccounts()).toBe(before);
  });

  it("answers validation_failed for bytes that are not UTF-8, and for unknown members", async () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"type":"customer","name":"Caf'),
      0xe9,
      0x22,
      0x7d,
    ]);
    expect(await raw(bytes)).toMatchObject({
      code: "validation_failed",
      message: "The request body is not valid UTF-8",
    });
    expect(await raw('{"type":"customer","name":"Acme","note":"x"}')).toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "note", message: "unknown member (did you mean notes?)" }] },
    });
  });
});

describe("the typed client", () => {
  it("refuses such a request before sending it", async () => {
    // Nothing answers under this prefix: a request that left would be service_unavailable.
    const nowhere = new BusClient(under.env.nc, { prefix: `${under.env.prefix}nobody` });
    await expect(
      nowhere.request(catalog.createAccount, { type: "customer", name: "Ac\u0000me" }),
    ).rejects.toMatchObject({ code: "validation_failed", details: { issues: [{ path: "name" }] } });
    await expect(
      nowhere.request(catalog.createAccount, { type: "customer", name: "Acme", nmae: "x" } as never),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: { issues: [{ path: "nmae", message: "unknown member (did you mean name?)" }] },
    });
  });
});
