// Issue 19 end to end: a cockpit license issued through the gateway, the cockpit's certificate from
// the real distribution service, then a simulated week with that service unreachable (the cockpit
// and 10 collectors on their own clock, leases and receipts offline), then reconnecting: every unit
// counted exactly once, the same upload again counted never, and the operator's view agrees.
import { LicenseManager, MemoryStorage } from "@licensing/client";
import { leaseSeat, offlineCollector } from "@licensing/client/testing";
import type {
  Account,
  DelegationCollectorsPage,
  DelegationStatus,
  IssuedLicense,
  LicenseUsage,
} from "@licensing/contracts";
import { type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DistributionBeside, startDistributionBeside } from "./distribution-beside.ts";

const COLLECTORS = 10;
const DAYS = 7;
const RUNS_A_DAY = 8;
const day = 86_400_000;

let gw: GatewayUnderTest;
let dist: DistributionBeside;
let issued: IssuedLicense;

beforeAll(async () => {
  gw = await startGateway({ issuer: true, activateCrm: true });
  dist = await startDistributionBeside(gw);
  for (const code of ["cockpit", "collector"]) await gw.admin.post("/api/products", { code, name: code });
  const account = (
    await gw.admin.post("/api/accounts", { type: "customer", name: "Air-gapped AG" })
  ).json<Account>();
  const created = await gw.admin.post("/api/licenses", {
    accountId: account.id,
    products: ["cockpit", "collector"],
    kind: "commercial",
    seats: COLLECTORS,
  });
  expect(created.statusCode, created.body).toBe(201);
  issued = created.json<{ licenses: IssuedLicense[] }>().licenses[0]!;
  await dist.knows(issued.licenseKey);
});
afterAll(async () => {
  await dist?.stop();
  await gw?.stop();
});

describe("a cockpit and 10 collectors, a week without the distribution service", () => {
  it("count every unit exactly once when the cockpit reconnects", async () => {
    const { keys } = await fetch(`${dist.url}/v1/keys`).then((r) => r.json() as Promise<{ keys: never[] }>);
    const clock = { t: Date.now() + 60_000, now: () => new Date(clock.t) };
    let reachable = true;
    const cockpit = new LicenseManager({
      product: "cockpit",
      serverUrl: dist.url,
      licenseKey: issued.licenseKey,
      trustedKeys: keys,
      storage: new MemoryStorage(),
      fingerprint: "cockpit-01",
      now: clock.now,
      fetch: (url, init) => (reachable ? fetch(url, init) : Promise.reject(new TypeError("fetch failed"))),
    });
    await cockpit.load(issued.file);
    const authority = cockpit.fleetAuthority();
    const certificate = await authority.renewDelegation();
    expect(certificate).toMatchObject({ seats: COLLECTORS, licenseId: issued.license.id });

    // The network goes: nothing below reaches the service until the week is over.
    reachable = false;
    const fleet = [];
    for (let i = 0; i < COLLECTORS; i++) {
      const fingerprint = `collector-${String(i).padStart(2, "0")}`;
      fleet.push({
        ...(await offlineCollector({ fingerprint, trustedKeys: keys, now: clock.now })),
        units: 0,
      });
    }
    let cockpitUnits = 0;
    for (let d = 0; d < DAYS; d++) {
      clock.t += d === 0 ? 0 : day;
      for (const member of fleet) await leaseSeat(authority, member, certificate.executionModes);
      for (let run = 0; run < RUNS_A_DAY; run++) {
        clock.t += 3_600_000;
        for (const [i, member] of fleet.entries()) {
          const units = ((i + d + run) % 3) + 1;
          await member.collector.recordExecution({ units });
          member.units += units;
        }
      }
      await authority.recordExecution({ units: 5 });
      cockpitUnits += 5;
      for (const member of fleet) {
        const report = await authority.acceptReceipts(member.key, await member.collector.receipts());
        expect(report.anomalies).toEqual([]);
      }
      // Each day the cockpit tries to upload, and fails: nothing it holds is lost for that.
      await expect(authority.uploadReceipts()).rejects.toThrow();
    }
    const expected = fleet.reduce((sum, m) => sum + m.units, 0) + cockpitUnits;
    const backlog = await authority.exportReceipts();

    // Back online: the upload is counted once; the same file imported again counts nothing more.
    reachable = true;
    const sent = await authority.uploadReceipts();
    expect(sent).toMatchObject({ units: expected, anomalies: [] });
    const usage = await gw.admin.get(`/api/licenses/${issued.license.id}/usage`);
    expect(usage.json<LicenseUsage>().balance.unitsConsumed).toBe(expected);
    const again = await gw.admin.post(`/api/licenses/${issued.license.id}/delegation/receipts`, backlog);
    expect(again.statusCode, again.body.slice(0, 300)).toBe(200);
    expect(again.json()).toMatchObject({ accepted: 0, units: 0, anomalies: [] });
    expect(
      (await gw.admin.get(`/api/licenses/${issued.license.id}/usage`)).json<LicenseUsage>().balance
        .unitsConsumed,
    ).toBe(expected);

    const status = (
      await gw.admin.get(`/api/licenses/${issued.license.id}/delegation`)
    ).json<DelegationStatus>();
    expect(status).toMatchObject({
      receipts: COLLECTORS * DAYS * RUNS_A_DAY + DAYS,
      units: expected,
      anomalies: [],
    });
    // The cockpit's own log and each collector's, the collectors under a lease.
    expect(status.collectorCount).toBe(COLLECTORS + 1);
    const listed = (
      await gw.admin.get(`/api/licenses/${issued.license.id}/delegation/collectors`)
    ).json<DelegationCollectorsPage>();
    expect(listed.items.filter((c) => c.leaseId !== null)).toHaveLength(COLLECTORS);

    // The usage report's cockpit section, on screen and as CSV, says the same.
    const range = new URLSearchParams({
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const section = await gw.admin.get(`/api/usage/cockpits?${range}`);
    expect(section.statusCode, section.body).toBe(200);
    expect(section.json()).toEqual({
      items: [
        {
          licenseId: issued.license.id,
          accountId: issued.license.accountId,
          accountName: "Air-gapped AG",
          product: "cockpit",
          certificateExpiresAt: certificate.expiresAt,
          certificateRevokedAt: null,
          seatsInUse: COLLECTORS,
          collectors: COLLECTORS + 1,
          receipts: status.receipts,
          units: expected,
          anomalies: 0,
        },
      ],
      nextCursor: null,
    });
    const csv = await gw.admin.get(`/api/usage/cockpits.csv?${range}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-disposition"]).toMatch(/^attachment; filename="cockpits-\d{8}-\d{8}\.csv"$/);
    const [header, row, end] = csv.body.replace(/^\uFEFF/, "").split("\n");
    expect(header).toBe(
      "License id,Account id,Account,Product,Product name,Certificate expires,Certificate revoked," +
        "Seats in use,Collectors,Receipts,Units,Anomalies",
    );
    expect(row).toBe(
      `${issued.license.id},${issued.license.accountId},Air-gapped AG,cockpit,cockpit,${certificate.expiresAt},,` +
        `${COLLECTORS},${COLLECTORS + 1},${status.receipts},${expected},0`,
    );
    expect(end).toBe("");
  }, 180_000);
});
