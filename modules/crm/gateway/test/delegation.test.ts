import { randomBytes } from "node:crypto";
import {
  type Account,
  type DelegationCollectorsPage,
  type DelegationStatus,
  type IssuedLicense,
  isAllowed,
  MAX_RECEIPTS_PER_UPLOAD,
  type ReceiptUpload,
  roles,
} from "@licensing/contracts";
import { Browser, type ErrorResponse, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { execute } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECEIPTS_BODY_LIMIT } from "../src/delegation.ts";
import { type DistributionBeside, startDistributionBeside } from "./distribution-beside.ts";

// A cockpit license's fleet delegation as operators reach it: gateway → NATS → distribution, with a
// real distribution service beside the gateway (catalog and issuer are real too). The certificate
// and receipts formats are the distribution service's to test; these check the routes' access, what
// they pass on, and that a full receipts file gets through the gateway.
let gw: GatewayUnderTest;
let dist: DistributionBeside;
let cyberdyne: Account;
/** A cockpit license with 5 fleet seats, known to the distribution service. */
let cockpit: IssuedLicense;
let viewer: Browser;

const missing = "lic_01ZZZZZZZZZZZZZZZZZZZZZZZZ";
const path = (id: string, rest = "") => `/api/licenses/${id}/delegation${rest}`;

/** An exported file's shape with `count` receipts of a real receipt's size; nothing in it verifies. */
function receiptsFile(count: number): ReceiptUpload {
  const key = randomBytes(32).toString("base64");
  const receipt = {
    payload: randomBytes(294).toString("base64"), // 392 characters, as a real receipt's
    signature: randomBytes(64).toString("base64"),
  };
  return {
    leases: [],
    logs: [{ machineKey: key, receipts: Array.from({ length: count }, () => receipt) }],
  };
}

beforeAll(async () => {
  gw = await startGateway({ issuer: true, activateCrm: true });
  dist = await startDistributionBeside(gw);
  await gw.admin.post("/api/products", { code: "cockpit", name: "Cockpit", defaults: { seats: 5 } });
  cyberdyne = (await gw.admin.post("/api/accounts", { type: "customer", name: "Cyberdyne" })).json<Account>();
  const issued = await gw.admin.post("/api/licenses", {
    kind: "commercial",
    accountId: cyberdyne.id,
    products: ["cockpit"],
    accumulatedUnits: -1,
  });
  expect(issued.statusCode, issued.body).toBe(201);
  cockpit = issued.json<{ licenses: IssuedLicense[] }>().licenses[0]!;
  await dist.knows(cockpit.licenseKey);
  viewer = await gw.userWith(["viewer"]);
});
afterAll(async () => {
  await dist?.stop();
  await gw?.stop();
});

describe("delegation (happy path)", () => {
  it("shows a cockpit license's delegation to a viewer: nothing delegated yet", async () => {
    const response = await viewer.get(path(cockpit.license.id));
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json<DelegationStatus>()).toEqual({
      licenseId: cockpit.license.id,
      certificates: [],
      seatsInUse: 0,
      collectors: [],
      collectorCount: 0,
      receipts: 0,
      units: 0,
      anomalies: [],
    });
  });

  it("passes a full receipts file (20,000 receipts of a real size) through to the distribution service", async () => {
    const file = receiptsFile(MAX_RECEIPTS_PER_UPLOAD);
    const body = JSON.stringify(file, null, 2);
    expect(body.length).toBeGreaterThan(8 * 1024 * 1024);
    expect(body.length).toBeLessThan(RECEIPTS_BODY_LIMIT);
    const response = await gw.admin.request("POST", path(cockpit.license.id, "/receipts"), body, {
      "content-type": "application/json",
    });
    // Nothing in it verifies: every receipt is reported, none is counted.
    expect(response.statusCode, response.body.slice(0, 500)).toBe(200);
    expect(response.json()).toMatchObject({ accepted: 0, units: 0 });
    expect(response.json<{ anomalies: unknown[] }>().anomalies.length).toBeGreaterThan(0);
  });
});

/** Three machine key ids as the distribution service writes them, in order. */
const machines = [
  "fa-00000000000000000000000000000001",
  "fa-00000000000000000000000000000002",
  "fa-00000000000000000000000000000003",
];

describe("delegation collectors (happy path)", () => {
  it("pages a cockpit's collectors to a viewer, filtered by seat, and the status counts them", async () => {
    const empty = await viewer.get(path(cockpit.license.id, "/collectors"));
    expect(empty.statusCode, empty.body).toBe(200);
    expect(empty.json()).toEqual({ items: [], nextCursor: null });
    // Chains as the receipts would leave them (their receipts are the distribution service's to test);
    // none under a lease, so none holds a seat.
    await execute(
      gw.orm,
      `insert into distribution.receipt_chains (machine_key_id, license_id, last_seq, last_hash, receipts, units,
         last_receipt_at)
       select m, $1, 1, 'hash', 2, 5, now() from unnest($2::text[]) m`,
      [cockpit.license.id, machines],
    );
    const first = await viewer.get(path(cockpit.license.id, "/collectors?limit=2"));
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json<DelegationCollectorsPage>();
    expect(page.items.map((c) => c.machine)).toEqual(machines.slice(0, 2));
    expect(page.items[0]).toMatchObject({ leaseId: null, holdingSeat: false, receipts: 2, units: 5 });
    const next = await viewer.get(
      path(cockpit.license.id, `/collectors?limit=2&cursor=${encodeURIComponent(page.nextCursor!)}`),
    );
    expect(next.json()).toMatchObject({ items: [{ machine: machines[2] }], nextCursor: null });
    const holding = await viewer.get(path(cockpit.license.id, "/collectors?holdingSeat=true"));
    expect(holding.json()).toEqual({ items: [], nextCursor: null });
    const free = await viewer.get(path(cockpit.license.id, "/collectors?holdingSeat=false"));
    expect(free.json<DelegationCollectorsPage>().items).toHaveLength(3);
    const status = (await viewer.get(path(cockpit.license.id))).json<DelegationStatus>();
    // The status lists the first page (all three here), and counts them all.
    expect(status.collectors.map((c) => c.machine)).toEqual(machines);
    expect(status).toMatchObject({
      collectorCount: 3,
      seatsInUse: 0,
      receipts: 6,
      units: 15,
    });
  });
});

describe("delegation (errors)", () => {
  it("refuses a forged cursor, a limit outside 1 to 500 and a seat filter not a boolean with 400 naming it", async () => {
    const forged = Buffer.from("fa-not-a-machine").toString("base64url");
    for (const [query, field] of [
      [`cursor=${forged}`, "cursor"],
      ["cursor=%27%20or%201%3D1", "cursor"],
      ["limit=0", "limit"],
      ["limit=501", "limit"],
      ["limit=ten", "limit"],
      ["holdingSeat=maybe", "holdingSeat"],
    ] as const) {
      const answer = await viewer.get(path(cockpit.license.id, `/collectors?${query}`));
      expect(answer.statusCode, query).toBe(400);
      const body = answer.json<ErrorResponse>();
      expect(body.code, query).toBe("validation_failed");
      expect(
        body.details?.issues?.map((i) => i.path),
        query,
      ).toEqual([field]);
    }
    // An unknown license is a 404, not an empty list.
    const unknown = await viewer.get(path(missing, "/collectors?limit=10"));
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, "not_found"]);
  });

  it("answers 404 not_found for a license it does not know", async () => {
    for (const [method, url, body] of [
      ["GET", path(missing), undefined],
      ["POST", path(missing, "/receipts"), receiptsFile(1)],
      ["POST", path(missing, "/revoke"), { reason: "Cockpit decommissioned" }],
    ] as const) {
      const answer = await gw.admin.request(method, url, body);
      expect([answer.statusCode, answer.json().code], `${method} ${url}`).toEqual([404, "not_found"]);
    }
  });

  it("refuses a body larger than a full receipts file with 413, and a malformed request with 400", async () => {
    const tooLarge = await gw.admin.request(
      "POST",
      path(cockpit.license.id, "/receipts"),
      `{"leases":[],"logs":[],"padding":"${"x".repeat(RECEIPTS_BODY_LIMIT)}"}`,
      { "content-type": "application/json" },
    );
    expect(tooLarge.statusCode).toBe(413);
    const garbled = await gw.admin.post(path(cockpit.license.id, "/answer"), {
      request: "not an armored request",
    });
    expect(garbled.statusCode).toBe(400);
    const noReason = await gw.admin.post(path(cockpit.license.id, "/revoke"), { reason: " " });
    expect(noReason.statusCode).toBe(400);
  });
});

describe("delegation (security)", () => {
  it("lets a viewer read but not answer, import or revoke: forbidden, and nothing revoked", async () => {
    for (const [url, body] of [
      [path(cockpit.license.id, "/answer"), { request: "-----BEGIN DELEGATION REQUEST-----" }],
      [path(cockpit.license.id, "/receipts"), receiptsFile(1)],
      [path(cockpit.license.id, "/revoke"), { reason: "Cockpit decommissioned" }],
    ] as const) {
      const answer = await viewer.post(url, body);
      expect([answer.statusCode, answer.json().code], url).toEqual([403, "forbidden"]);
    }
    expect((await viewer.get(path(cockpit.license.id))).json<DelegationStatus>().certificates).toEqual([]);
  });

  it("answers 401 when signed out", async () => {
    const anonymous = new Browser(gw.app);
    expect((await anonymous.get(path(cockpit.license.id))).statusCode).toBe(401);
    expect((await anonymous.get(path(cockpit.license.id, "/collectors"))).statusCode).toBe(401);
  });

  it("lets every role with usage.read list the collectors as it reads the status, and no other", async () => {
    for (const role of roles) {
      const user = await gw.userWith([role]);
      const expected = isAllowed([role], "usage.read") ? 200 : 403;
      for (const url of [path(cockpit.license.id), path(cockpit.license.id, "/collectors")])
        expect((await user.get(url)).statusCode, `${role} ${url}`).toBe(expected);
    }
  });
});
