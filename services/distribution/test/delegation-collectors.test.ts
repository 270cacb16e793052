import { createHash } from "node:crypto";
import {
  type DelegationCollector,
  delegation,
  type RequestIn,
  STATUS_COLLECTORS,
} from "@licensing/contracts";
import { execute } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cockpit } from "./cockpit.ts";
import { type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

// A cockpit's fleet at the scale the product is for (docs/distribution.md, "Fleet delegation"): the
// status answers figures summed in SQL, and `distribution.delegation.collectors` lists the
// collectors a keyset page at a time. 1,200 collectors' chains are inserted directly: uploading
// their receipts would test the receipts, not the reads.

const FLEET = 1_200;
const HOUR = 3_600_000;

let t: DistributionUnderTest;
let licenseId: string;
/** Every collector as the listing should show it, by machine key id. */
let expected: DelegationCollector[];

/** A machine key id as `authorityKeyId` makes them: `fa-` and 32 hex digits. */
const machineOf = (i: number) =>
  `fa-${createHash("sha256").update(`collector ${i}`).digest("hex").slice(0, 32)}`;

beforeAll(async () => {
  t = await startDistribution();
  const license = await t.issue({ seats: -1, accumulatedUnits: -1, unitsPerExecution: -1 });
  licenseId = license.id;
  const answer = await t.call("POST", "/v1/delegations", {
    key: license.licenseKey,
    body: { request: new Cockpit().request(licenseId) },
  });
  expect(answer.statusCode, answer.body).toBe(200);
  const { certificateId } = answer.json<{ certificateId: string }>();

  // Collector i's last receipt was an hour ago. Its lease: current (a seat held), ended two hours
  // ago (no seat: its last receipt fell outside it), or none recorded (no seat).
  const now = Date.now();
  const lastReceiptAt = new Date(now - HOUR);
  expected = Array.from({ length: FLEET }, (_, i) => {
    const receipts = (i % 7) + 1;
    return {
      machine: machineOf(i),
      fingerprint: `collector-${i}`,
      leaseId: i % 4 === 3 ? null : `lease-${i}`,
      holdingSeat: i % 4 === 0 || i % 4 === 1,
      receipts,
      units: receipts * ((i % 5) + 1),
      lastReceiptAt: lastReceiptAt.toISOString(),
    };
  });
  const leased = expected.filter((c) => c.leaseId !== null);
  await execute(
    t.orm,
    `insert into distribution.delegated_leases (license_id, lease_id, certificate_id, collector_key_id,
       collector_key, fingerprint, seat, units, product, issued_at, expires_at)
     select $1, l, $2, k, 'key', f, 1, 1000, 'collector', $3, e
     from unnest($4::text[], $5::text[], $6::text[], $7::timestamptz[]) as x(l, k, f, e)`,
    [
      licenseId,
      certificateId,
      new Date(now - 24 * HOUR),
      leased.map((c) => c.leaseId),
      leased.map((c) => c.machine),
      leased.map((c) => c.fingerprint),
      leased.map((c) => new Date(c.holdingSeat ? now + 24 * HOUR : now - 2 * HOUR)),
    ],
  );
  await execute(
    t.orm,
    `insert into distribution.receipt_chains (machine_key_id, license_id, last_seq, last_hash, receipts,
       units, last_receipt_at, fingerprint, lease_id)
     select m, $1, r - 1, 'hash', r, u, $2, f, l
     from unnest($3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[]) as x(m, r, u, f, l)`,
    [
      licenseId,
      lastReceiptAt,
      expected.map((c) => c.machine),
      expected.map((c) => c.receipts),
      expected.map((c) => c.units),
      expected.map((c) => c.fingerprint),
      expected.map((c) => c.leaseId),
    ],
  );
  expected.sort((a, b) => (a.machine < b.machine ? -1 : 1));

  // Another license's fleet, whose collectors must never show on this one's pages.
  const other = await t.issue({ seats: -1 });
  await execute(
    t.orm,
    `insert into distribution.receipt_chains (machine_key_id, license_id, last_seq, last_hash, receipts, units)
     select m, $1, 0, 'hash', 1, 1 from unnest($2::text[]) m`,
    [other.id, [machineOf(-1), machineOf(-2)]],
  );
}, 120_000);
afterAll(() => t?.stop());

/** Every page of a listing, in order. */
async function allPages(request: Omit<RequestIn<typeof delegation.collectors>, "licenseId">) {
  const pages: DelegationCollector[][] = [];
  let cursor: string | undefined;
  do {
    const page = await t.env.bus.request(delegation.collectors, { ...request, licenseId, cursor });
    pages.push(page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return pages;
}

const sum = (collectors: DelegationCollector[], of: "receipts" | "units") =>
  collectors.reduce((n, c) => n + c[of], 0);

describe("distribution.delegation.collectors (happy path)", () => {
  it("pages through 1,200 collectors by machine key id, each exactly once", async () => {
    const pages = await allPages({ limit: 500 });
    expect(pages.map((p) => p.length)).toEqual([500, 500, 200]);
    expect(pages.flat()).toEqual(expected);
    // 50 by default.
    const first = await t.env.bus.request(delegation.collectors, { licenseId });
    expect(first.items).toEqual(expected.slice(0, 50));
    expect(first.nextCursor).not.toBeNull();
  });

  it("keeps those holding a seat, or those not, and the two make the fleet", async () => {
    const holding = (await allPages({ holdingSeat: true, limit: 123 })).flat();
    const free = (await allPages({ holdingSeat: false, limit: 123 })).flat();
    expect(holding).toEqual(expected.filter((c) => c.holdingSeat));
    expect(free).toEqual(expected.filter((c) => !c.holdingSeat));
    expect(holding.length).toBe(FLEET / 2);
  });

  it("answers a page past the last collector empty, without a cursor", async () => {
    const last = expected.at(-1)!.machine;
    const page = await t.env.bus.request(delegation.collectors, {
      licenseId,
      cursor: Buffer.from(last).toString("base64url"),
    });
    expect(page).toEqual({ items: [], nextCursor: null });
  });
});

describe("distribution.delegation.status (figures over the whole fleet)", () => {
  it("sums the collectors, seats, receipts and units in SQL: the totals of every page", async () => {
    const status = await t.env.bus.request(delegation.status, { licenseId });
    const listed = (await allPages({ limit: 500 })).flat();
    expect(status).toMatchObject({
      licenseId,
      collectorCount: FLEET,
      seatsInUse: listed.filter((c) => c.holdingSeat).length,
      receipts: sum(listed, "receipts"),
      units: sum(listed, "units"),
      anomalies: [],
    });
    expect(status.certificates).toHaveLength(1);
    // The first page only, as delegation.collectors answers it.
    expect(status.collectors).toEqual(expected.slice(0, STATUS_COLLECTORS));
  });

  it("answers zeros for a license without receipts", async () => {
    const quiet = await t.issue({ seats: 3 });
    expect(await t.env.bus.request(delegation.status, { licenseId: quiet.id })).toMatchObject({
      collectors: [],
      collectorCount: 0,
      seatsInUse: 0,
      receipts: 0,
      units: 0,
    });
    expect(await t.env.bus.request(delegation.collectors, { licenseId: quiet.id })).toEqual({
      items: [],
      nextCursor: null,
    });
  });
});

describe("distribution.delegation.collectors (errors)", () => {
  it("refuses a cursor it did not make with validation_failed naming the cursor", async () => {
    const machine = expected[0]!.machine;
    for (const cursor of [
      "not-a-cursor",
      Buffer.from("lic_01ZZZZZZZZZZZZZZZZZZZZZZZZ").toString("base64url"),
      Buffer.from(`${machine}' or 1=1 --`).toString("base64url"),
      // The same key id, but not as this service writes it (padding).
      Buffer.from(machine).toString("base64"),
      "",
    ]) {
      await expect(
        t.env.bus.request(delegation.collectors, { licenseId, cursor }),
        cursor,
      ).rejects.toMatchObject({ code: "validation_failed", details: { issues: [{ path: "cursor" }] } });
    }
  });

  it("refuses a limit outside 1 to 500 with validation_failed naming the limit", async () => {
    for (const limit of [0, 501, 1.5, -1]) {
      await expect(
        t.env.bus.request(delegation.collectors, { licenseId, limit }),
        String(limit),
      ).rejects.toMatchObject({ code: "validation_failed", details: { issues: [{ path: "limit" }] } });
    }
  });

  it("answers not_found for a license it does not know", async () => {
    await expect(
      t.env.bus.request(delegation.collectors, { licenseId: "lic_01ZZZZZZZZZZZZZZZZZZZZZZZZ" }),
    ).rejects.toMatchObject({ code: "not_found" });
  });
});
