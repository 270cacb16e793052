import { delegation, type ReceiptAnomaly, type RequestIn } from "@licensing/contracts";
import { type Delegation, openDelegation } from "@licensing/model";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { licenseKeySet } from "../src/domain/documents.ts";
import { Cockpit, Machine } from "./cockpit.ts";
import { as, type DistributionUnderTest, startDistribution } from "./distribution-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution();
});
afterAll(() => t?.stop());

interface Fleet {
  id: string;
  licenseKey: string;
  cockpit: Cockpit;
  certificate: Delegation;
}

/** A cockpit license with `seats`, its cockpit certified. */
async function fleet(seats = 3, accumulatedUnits = 100_000): Promise<Fleet> {
  const license = await t.issue({ seats, accumulatedUnits, unitsPerExecution: -1 });
  const cockpit = new Cockpit();
  const answer = await t.call("POST", "/v1/delegations", {
    key: license.licenseKey,
    body: { request: cockpit.request(license.id) },
  });
  const { keys } = (await t.call("GET", "/v1/keys")).json();
  const certificate = openDelegation(answer.json().certificate, {
    keys: licenseKeySet(keys),
    now: Date.now(),
  });
  return { id: license.id, licenseKey: license.licenseKey, cockpit, certificate };
}

const upload = (f: Fleet, body: unknown) => t.call("POST", "/v1/receipts", { key: f.licenseKey, body });
const kinds = (anomalies: ReceiptAnomaly[]) => anomalies.map((a) => a.kind).sort();
const balance = async (f: Fleet) => (await t.call("GET", "/v1/usage", { key: f.licenseKey })).json();

/** A collector holding a lease of `f`, with `runs` receipts of `units` each. */
function collector(f: Fleet, runs: number, units = 10, lease: object = {}) {
  const machine = new Machine();
  const leaseId = `lease-${machine.keyId.slice(3, 15)}`;
  const text = f.cockpit.lease(f.certificate, machine, { leaseId, ...lease });
  for (let i = 0; i < runs; i++) machine.run(f.id, leaseId, units);
  return { machine, lease: text };
}

describe("POST /v1/receipts", () => {
  it("counts a clean chain once, and a replayed upload not again", async () => {
    const f = await fleet();
    const a = collector(f, 5);
    f.cockpit.run(f.id, null, 7);
    const body = { leases: [a.lease], logs: [a.machine.upload(), f.cockpit.upload()] };
    const first = await upload(f, body);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ accepted: 6, duplicates: 0, units: 57, anomalies: [] });
    expect(await balance(f)).toMatchObject({ unitsConsumed: 57, unitsRemaining: 100_000 - 57 });
    const replay = await upload(f, body);
    expect(replay.json()).toEqual({ accepted: 0, duplicates: 6, units: 0, anomalies: [] });
    expect((await balance(f)).unitsConsumed).toBe(57);
    // One log sent in two parts within an upload is one log.
    const b = collector(f, 4);
    const halves = [b.machine.upload(b.machine.log.slice(0, 2)), b.machine.upload(b.machine.log)];
    expect((await upload(f, { leases: [b.lease], logs: halves })).json()).toMatchObject({
      accepted: 4,
      duplicates: 2,
      units: 40,
    });
    expect((await balance(f)).unitsConsumed).toBe(97);
    // The log goes on: only the new receipt counts.
    a.machine.run(f.id, a.machine.log[0]!.receipt.leaseId, 3);
    expect((await upload(f, { leases: [], logs: [a.machine.upload()] })).json()).toMatchObject({
      accepted: 1,
      duplicates: 5,
      units: 3,
    });
    const status = await t.env.bus.request(delegation.status, { licenseId: f.id });
    expect(status).toMatchObject({ receipts: 11, units: 100, seatsInUse: 2, anomalies: [] });
    const { items } = await t.env.bus.request(delegation.collectors, { licenseId: f.id });
    expect(items.find((c) => c.machine === a.machine.keyId)).toMatchObject({
      receipts: 6,
      units: 53,
    });
  });

  it("reports a deleted entry (gap), a fork, a broken link and an altered receipt; replays add no anomaly rows", async () => {
    const f = await fleet();
    const a = collector(f, 6);
    const [r0, r1, , r3, r4, r5] = a.machine.log;
    const gapped = { leases: [a.lease], logs: [a.machine.upload([r0!, r1!, r3!, r4!])] };
    const first = (await upload(f, gapped)).json();
    expect(kinds(first.anomalies)).toEqual(["gap"]);
    expect(first.anomalies[0]).toMatchObject({ machine: a.machine.keyId, seq: 3 });
    // The receipts after the gap are authentic usage: counted (docs/distribution.md).
    expect(first).toMatchObject({ accepted: 4, units: 40 });
    expect((await upload(f, gapped)).json()).toMatchObject({ accepted: 0, duplicates: 4, anomalies: [] });
    // The missing one arrives later, and links: counted then.
    expect(
      (await upload(f, { leases: [], logs: [a.machine.upload([a.machine.log[2]!])] })).json(),
    ).toMatchObject({
      accepted: 1,
      anomalies: [],
    });
    // Another history at position 4 (a fork), and a receipt whose prev is wrong (broken link).
    const twin = new Machine();
    Object.assign(twin, {
      privateKey: a.machine.privateKey,
      publicKey: a.machine.publicKey,
      keyId: a.machine.keyId,
    });
    twin.log.push(...a.machine.log.slice(0, 4));
    const fork = twin.run(f.id, r0!.receipt.leaseId, 99);
    const broken = new Machine();
    Object.assign(broken, {
      privateKey: a.machine.privateKey,
      publicKey: a.machine.publicKey,
      keyId: a.machine.keyId,
    });
    broken.log.push(...a.machine.log.slice(0, 4), r0!);
    const badLink = broken.run(f.id, r0!.receipt.leaseId, 5);
    const altered = {
      ...r5!.signed,
      payload: Buffer.from(
        Buffer.from(r5!.signed.payload, "base64").toString().replace('"units":10', '"units":1'),
      ).toString("base64"),
    };
    const mixed = {
      leases: [],
      logs: [{ machineKey: a.machine.publicKey, receipts: [fork.signed, altered, badLink.signed] }],
    };
    const answer = (await upload(f, mixed)).json();
    expect(kinds(answer.anomalies)).toEqual(["altered", "broken_link", "fork"]);
    expect(answer).toMatchObject({ accepted: 0, units: 0 });
    await upload(f, mixed);
    const status = await t.env.bus.request(delegation.status, { licenseId: f.id });
    expect(kinds(status.anomalies)).toEqual(["altered", "broken_link", "fork", "gap"]);
    expect((await balance(f)).unitsConsumed).toBe(50);
  });

  it("refuses a forged lease, a lease of a cockpit key without certificate, and an unbound machine", async () => {
    const f = await fleet();
    const stranger = new Cockpit();
    const forgedCollector = new Machine();
    const forged = stranger.lease(f.certificate, forgedCollector);
    forgedCollector.run(f.id, null, 10);
    const rogue = new Cockpit();
    const rogueCertificate = {
      ...f.certificate,
      certificateId: "dlg_not_issued",
      authorityKey: rogue.publicKey,
    };
    const rogueCollector = new Machine();
    const rogueLease = rogue.lease(rogueCertificate, rogueCollector);
    rogueCollector.run(f.id, null, 10);
    const unbound = new Machine();
    unbound.run(f.id, null, 10);
    const answer = await upload(f, {
      leases: [forged, rogueLease],
      logs: [forgedCollector.upload(), rogueCollector.upload(), unbound.upload()],
    });
    expect(kinds(answer.json().anomalies)).toEqual([
      "invalid_lease",
      "invalid_lease",
      "unknown_machine",
      "unknown_machine",
      "unknown_machine",
    ]);
    expect(answer.json()).toMatchObject({ accepted: 0, units: 0 });
    expect((await balance(f)).unitsConsumed).toBe(0);
  });

  it("catches a cockpit that hands out more seats than allowed, and units past a lease", async () => {
    const f = await fleet(2);
    const collectors = [collector(f, 1), collector(f, 1), collector(f, 1)];
    const answer = (
      await upload(f, {
        leases: collectors.map((c) => c.lease),
        logs: collectors.map((c) => c.machine.upload()),
      })
    ).json();
    expect(kinds(answer.anomalies)).toEqual(["over_seats"]);
    expect(answer.accepted).toBe(3);
    const greedy = collector(f, 3, 400, {
      units: 1_000,
      issuedAt: new Date(Date.now() + 7_200_000).toISOString(),
    });
    const over = (await upload(f, { leases: [greedy.lease], logs: [greedy.machine.upload()] })).json();
    expect(kinds(over.anomalies)).toEqual(["over_units"]);
    expect(over).toMatchObject({ accepted: 3, units: 1_200 });
  });

  it("counts a log sent by several uploads at once exactly once", async () => {
    const f = await fleet();
    const a = collector(f, 40, 5);
    f.cockpit.run(f.id, null, 1);
    const body = { leases: [a.lease], logs: [a.machine.upload(), f.cockpit.upload()] };
    const answers = (await Promise.all(Array.from({ length: 6 }, () => upload(f, body)))).map((r) =>
      r.json(),
    );
    expect(answers.reduce((n, answer) => n + answer.accepted, 0)).toBe(41);
    expect(answers.reduce((n, answer) => n + answer.units, 0)).toBe(201);
    expect(answers.every((answer) => answer.anomalies.length === 0)).toBe(true);
    expect((await balance(f)).unitsConsumed).toBe(201);
  });

  it("checks a large log on worker threads with the same rules", async () => {
    const f = await fleet();
    const a = collector(f, 1_200, 1, { units: 10_000 });
    const receipts = a.machine.upload().receipts;
    const signature = Buffer.from(receipts[700]!.signature, "base64");
    signature[0]! ^= 1;
    receipts[700] = { ...receipts[700]!, signature: signature.toString("base64") };
    const answer = (
      await upload(f, { leases: [a.lease], logs: [{ machineKey: a.machine.publicKey, receipts }] })
    ).json();
    expect(kinds(answer.anomalies)).toEqual(["altered", "gap"]);
    expect(answer).toMatchObject({ accepted: 1_199, units: 1_199 });
  });

  it("answers bad input 400 naming the field", async () => {
    const f = await fleet();
    const a = collector(f, 1);
    const receipt = a.machine.log[0]!.signed;
    const cases: [unknown, string][] = [
      [{ leases: ["a\u0000"], logs: [] }, "leases"],
      [{ leases: [], logs: [], extra: true }, ""],
      [{ leases: [], logs: [{ machineKey: "nope", receipts: [receipt] }] }, "logs.0.machineKey"],
      [
        { leases: [], logs: [{ machineKey: a.machine.publicKey, receipts: [{ ...receipt, more: 1 }] }] },
        "logs.0.receipts.0",
      ],
      [
        { leases: [], logs: [{ machineKey: a.machine.publicKey, receipts: Array(20_001).fill(receipt) }] },
        "logs.0.receipts",
      ],
      [{ leases: Array(1_001).fill("x"), logs: [] }, "leases"],
    ];
    for (const [body, path] of cases) {
      const answer = await upload(f, body);
      expect(answer.statusCode, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(answer.json()).toMatchObject({ code: "validation_failed", requestId: expect.any(String) });
      expect(JSON.stringify(answer.json().details.issues)).toContain(`"path":"${path}`);
    }
  });
});

describe("distribution.receipts.import", () => {
  it("imports an air-gapped export for an operator, counted once like an upload", async () => {
    const f = await fleet();
    const a = collector(f, 4);
    const exported = { leases: [a.lease], logs: [a.machine.upload()] };
    const answer = await t.env.bus.request(
      delegation.importReceipts,
      { licenseId: f.id, upload: exported },
      as,
    );
    expect(answer).toMatchObject({ accepted: 4, units: 40 });
    expect((await upload(f, exported)).json()).toMatchObject({ accepted: 0, duplicates: 4 });
    await expect(
      t.env.bus.request(delegation.importReceipts, { licenseId: f.id, upload: exported }),
    ).rejects.toMatchObject({ code: "unauthorized" });
  });
});

describe("distribution.delegation.report", () => {
  const report = (selection: Partial<RequestIn<typeof delegation.report>> = {}) =>
    t.env.bus.request(delegation.report, {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 3_600_000).toISOString(),
      ...selection,
    });

  it("gives each cockpit license its certificate, seats, and the receipts and anomalies of the range", async () => {
    const f = await fleet(2);
    const collectors = [collector(f, 3), collector(f, 3)];
    const gapped = collectors[1]!.machine.log.filter((r) => r.receipt.seq !== 1);
    await upload(f, {
      leases: collectors.map((c) => c.lease),
      logs: [collectors[0]!.machine.upload(), collectors[1]!.machine.upload(gapped)],
    });
    const idle = await fleet(5);
    const plain = await t.issue();
    const { items } = await report({ limit: 1_000 });
    expect(items.find((row) => row.licenseId === f.id)).toEqual({
      licenseId: f.id,
      accountId: plain.accountId,
      product: "collector",
      certificateExpiresAt: f.certificate.expiresAt,
      certificateRevokedAt: null,
      seatsInUse: 2,
      collectors: 2,
      receipts: 5,
      units: 50,
      anomalies: 1,
    });
    expect(items.find((row) => row.licenseId === idle.id)).toMatchObject({
      seatsInUse: 0,
      receipts: 0,
      units: 0,
      anomalies: 0,
    });
    // A range after the upload: the certificate, nothing received; one that ended before it: not there.
    const after = await report({ from: new Date(Date.now() + 1).toISOString() });
    expect(after.items.find((row) => row.licenseId === f.id)).toMatchObject({
      seatsInUse: 2,
      receipts: 0,
      anomalies: 0,
    });
    const before = await report({ to: new Date(Date.now() - 60_000).toISOString() });
    expect(before.items.some((row) => row.licenseId === f.id)).toBe(false);
    // Filters, and a license without delegation never listed.
    expect(items.some((row) => row.licenseId === plain.id)).toBe(false);
    expect((await report({ product: "cockpit" })).items).toEqual([]);
    expect((await report({ accountId: "acc_0000000000nobody" })).items).toEqual([]);
  });

  it("pages by license id, each license once, and refuses a cursor it did not make", async () => {
    await fleet();
    await fleet();
    const all = (await report({ limit: 1_000 })).items.map((row) => row.licenseId);
    const walked: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await report({ limit: 2, cursor });
      walked.push(...page.items.map((row) => row.licenseId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(walked).toEqual(all);
    expect(all).toEqual([...all].sort());
    await expect(report({ cursor: "bm90IGEgbGljZW5zZQ" })).rejects.toMatchObject({
      code: "validation_failed",
    });
    await expect(report({ to: new Date(Date.now() - 7_200_000).toISOString() })).rejects.toMatchObject({
      code: "validation_failed",
    });
  });
});
