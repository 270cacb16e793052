// Issue 19's simulated week (docs/client.md, "Fleet delegation"): one cockpit with a certificate
// and 10 collectors working offline for 7 days on a test clock. Each day the cockpit renews every
// lease and collects every log; at the end it exports (the air-gap file) and uploads (online, to a
// stand-in for the distribution service's routes). Every chain verifies and the units add up.
import { MAX_RECEIPTS_PER_UPLOAD } from "@licensing/contracts";
import { describe, expect, it } from "vitest";
import type { DelegatedCollector } from "../src/index.ts";
import {
  certifiedCockpit,
  cockpit,
  collector,
  day,
  START,
  stubServer,
  verifyUpload,
  world,
} from "./support/delegation.ts";

const COLLECTORS = 10;
const DAYS = 7;
const RUNS_A_DAY = 12;

describe("a week offline under a cockpit", () => {
  it("10 collectors for 7 days: every receipt chain verifies and the units add up exactly", async () => {
    const { clock, vendor } = world();
    const authority = await certifiedCockpit({ clock, vendor }, { seats: COLLECTORS });
    const fleet: { fingerprint: string; c: DelegatedCollector; key: string; units: number }[] = [];
    for (let i = 0; i < COLLECTORS; i++) {
      const fingerprint = `collector-${String(i).padStart(2, "0")}`;
      const c = collector({ clock, vendor }, fingerprint);
      fleet.push({ fingerprint, c, key: await c.machineKey(), units: 0 });
    }
    let cockpitUnits = 0;
    let certificate = "";
    for (let d = 0; d < DAYS; d++) {
      clock.t = START + d * day + 60_000;
      for (const member of fleet) {
        const issued = await authority.issueLease({
          fingerprint: member.fingerprint,
          collectorKey: member.key,
          product: "collector",
          executionModes: ["scan", "inventory"],
          units: 500,
          ttlSeconds: 36 * 3600,
        });
        await member.c.installDelegatedLease(issued.lease, issued.certificate);
        certificate = issued.certificate;
      }
      for (let run = 0; run < RUNS_A_DAY; run++) {
        clock.t += 3_600_000;
        for (const [i, member] of fleet.entries()) {
          const units = ((i * 7 + d * 3 + run) % 5) + 1;
          await member.c.recordExecution({ units, mode: run % 3 === 0 ? "inventory" : "scan" });
          member.units += units;
        }
        if (run % 4 === 0) {
          await authority.recordExecution({ units: 2, mode: "scan" });
          cockpitUnits += 2;
        }
      }
      // The cockpit walks round its collectors once a day and takes their logs.
      for (const member of fleet) {
        const report = await authority.acceptReceipts(member.key, await member.c.receipts());
        expect(report.anomalies).toEqual([]);
      }
    }

    const upload = await authority.exportReceipts();
    const checked = verifyUpload(vendor, upload, [certificate]);
    const collectorUnits = fleet.reduce((sum, m) => sum + m.units, 0);
    expect(checked.logs).toBe(COLLECTORS + 1);
    expect(checked.receipts).toBe(COLLECTORS * DAYS * RUNS_A_DAY + DAYS * (RUNS_A_DAY / 4));
    expect(checked.receipts).toBeLessThanOrEqual(MAX_RECEIPTS_PER_UPLOAD);
    expect(checked.leases).toBe(COLLECTORS * DAYS);
    expect(checked.units).toBe(collectorUnits + cockpitUnits);
    // Each collector's log, as the upload carries it, is the collector's own, complete.
    for (const member of fleet) {
      const log = upload.logs.find((l) => l.machineKey === member.key);
      expect(log?.receipts).toEqual(await member.c.receipts());
    }

    // Once the operator imported the file, the cockpit forgets it, and keeps only current leases.
    await authority.acknowledgeExport(upload);
    expect(await authority.exportReceipts()).toEqual({ leases: [], logs: [] });
    // A collector's later receipts chain onto what was forgotten.
    await fleet[0]!.c.recordExecution({ units: 1 });
    expect(await authority.acceptReceipts(fleet[0]!.key, await fleet[0]!.c.receipts())).toMatchObject({
      accepted: 1,
      duplicates: DAYS * RUNS_A_DAY,
      anomalies: [],
    });
    const after = await authority.exportReceipts();
    expect(after.logs.map((l) => l.receipts.length)).toEqual([1]);
    expect(after.leases).toHaveLength(1);
  });

  it("online: the cockpit renews its certificate, uploads its receipts and forgets what was acknowledged", async () => {
    const { clock, vendor } = world();
    const server = stubServer(vendor, clock);
    const authority = await cockpit({ clock, vendor, fetch: server.fetch });
    const certificate = await authority.renewDelegation();
    expect(certificate).toMatchObject({
      authorityKey: (await authority.authorityKey()).publicKey,
      serial: 2,
    });
    const c = collector({ clock, vendor }, "collector-01");
    const issued = await authority.issueLease({
      fingerprint: "collector-01",
      collectorKey: await c.machineKey(),
      product: "collector",
      executionModes: ["scan"],
      units: 50,
      ttlSeconds: 3600,
    });
    await c.installDelegatedLease(issued.lease, issued.certificate);
    for (let i = 0; i < 5; i++) await c.recordExecution({ units: 3 });
    await authority.recordExecution({ units: 4 });
    await authority.acceptReceipts(await c.machineKey(), await c.receipts());
    expect(await authority.uploadReceipts()).toEqual({
      uploads: 1,
      accepted: 6,
      duplicates: 0,
      units: 19,
      anomalies: [],
    });
    expect(server.served.units).toBe(19);
    expect(await authority.uploadReceipts()).toMatchObject({ uploads: 0 });
    expect(await authority.exportReceipts()).toEqual({ leases: [], logs: [] });
  });
});
