import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { BusClient } from "@licensing/bus";
import { issuer, serviceActor } from "@licensing/contracts";
import { execute, query, queryOne } from "@licensing/platform";
import { testActorEnv } from "@licensing/testing";
import { register } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Reconciliation } from "../src/domain/reconciliation.ts";
import { as, type DistributionUnderTest, startDistribution, superadmin } from "./distribution-harness.ts";

// Drift as a lost event leaves it (a row missing, a row behind), repaired from the issuer, the record.
let t: DistributionUnderTest;
let reconciliation: Reconciliation;
/** The bus as the distribution service has it: it signs its own service actor. */
let distributionBus: BusClient;

beforeAll(async () => {
  t = await startDistribution();
  distributionBus = new BusClient(await t.env.connect("distribution"), { prefix: t.env.prefix });
  reconciliation = new Reconciliation({ orm: t.orm, bus: distributionBus, log: t.env.log });
}, 60_000);
afterAll(() => t?.stop());

/** What the issuer decides of a license row (the rest is distribution's own, or bookkeeping). */
const fromIssuer = `license_id, key_hash, account_id, state, serial, file, encrypted, products, kind, internal,
  start_date, end_date, available_activations, accumulated_units, units_per_execution, seats, fingerprint,
  execution_modes, legacy_key_hash`;

const rowsFromIssuer = () =>
  query(t.orm, `select ${fromIssuer} from distribution.licenses order by license_id`);
const wholeRow = (id: string) =>
  queryOne(t.orm, "select * from distribution.licenses where license_id = $1", [id]);

async function metric(name: string): Promise<number> {
  const values = (await register.getSingleMetric(name)!.get()).values;
  return values[0]?.value ?? 0;
}

describe("reconciliation", () => {
  let ids: string[] = [];

  it("repairs a missing and a stale license, leaves the others as they were, and counts", async () => {
    const issued = [await t.issue(), await t.issue(), await t.issue()];
    await t.env.bus.request(issuer.suspend, { id: issued[2]!.id, reason: "unpaid invoice" }, as);
    await t.synced(issued[2]!.id, 1, "suspended");
    ids = issued.map((license) => license.id);
    const [missing, stale, untouched] = ids as [string, string, string];
    const before = await rowsFromIssuer();
    const untouchedBefore = await wholeRow(untouched);
    const repairedBefore = await metric("lic_reconcile_repaired_total");

    // As if the events had been lost: one license never arrived, another's suspension and file never did.
    await execute(t.orm, "delete from distribution.licenses where license_id = $1", [missing]);
    await execute(
      t.orm,
      "update distribution.licenses set serial = 0, state = 'suspended' where license_id = $1",
      [stale],
    );

    // Pages of 2: the three licenses span two of them.
    const counts = await reconciliation.run({ pageSize: 2 });
    expect(counts).toEqual({ checked: 3, repaired: 2, unrepaired: 0, unknownToIssuer: 0 });
    expect(await rowsFromIssuer()).toEqual(before);
    expect(await wholeRow(untouched)).toEqual(untouchedBefore);
    expect(await metric("lic_reconcile_repaired_total")).toBe(repairedBefore + 2);
    expect(await metric("lic_reconcile_last_run_timestamp_seconds")).toBeGreaterThan(Date.now() / 1_000 - 60);
  });

  it("repairs nothing the second time, and reports a license the issuer does not have without deleting it", async () => {
    const ghost = "lic_zzzzzzzzzzzzzzzzzzzzzzzzzz";
    await execute(
      t.orm,
      `insert into distribution.licenses (${fromIssuer}, state_at, change_seq, changed_at)
       select $1, 'ghost-key-hash', account_id, state, serial, file, encrypted, products, kind, internal,
         start_date, end_date, available_activations, accumulated_units, units_per_execution, seats, fingerprint,
         execution_modes, null, state_at, change_seq, changed_at
       from distribution.licenses where license_id = $2`,
      [ghost, ids[0]],
    );
    const counts = await reconciliation.run({ pageSize: 2 });
    expect(counts).toEqual({ checked: 3, repaired: 0, unrepaired: 0, unknownToIssuer: 1 });
    expect(await metric("lic_reconcile_unknown_licenses")).toBe(1);
    expect(await wholeRow(ghost)).toBeDefined();
    await execute(t.orm, "delete from distribution.licenses where license_id = $1", [ghost]);
  });

  it("keeps a revocation: a revoked license the issuer says is active stays revoked, counted as unrepaired", async () => {
    const [first] = ids as [string];
    const before = await wholeRow(first);
    await execute(t.orm, "update distribution.licenses set state = 'revoked' where license_id = $1", [first]);
    const counts = await reconciliation.run();
    expect(counts).toEqual({ checked: 3, repaired: 0, unrepaired: 1, unknownToIssuer: 0 });
    await execute(t.orm, "update distribution.licenses set state = $1 where license_id = $2", [
      before!.state,
      first,
    ]);
  });

  it("runs once at a time: while another holds the lock, a run does nothing", async () => {
    await t.orm.em.fork().transactional(async (em) => {
      await query(em, "select pg_advisory_xact_lock(hashtext('distribution reconciliation'))");
      expect(await t.service.reconcile()).toBeUndefined();
    });
    expect(await t.service.reconcile()).toMatchObject({ checked: 3, repaired: 0 });
  });

  it("rebuilds an emptied read model with the command, to the same rows", async () => {
    const before = await rowsFromIssuer();
    await execute(t.orm, "delete from distribution.licenses");
    const cli = fileURLToPath(new URL("../src/reconcile-cli.ts", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [cli, "--rebuild"], {
      env: {
        ...process.env,
        DATABASE_URL: t.env.databaseUrl,
        NATS_URL: t.env.natsUrl,
        SUBJECT_PREFIX: t.env.prefix,
        LOG_LEVEL: "warn",
        // It acts as the distribution service, with its actor key.
        ...testActorEnv("distribution"),
      },
    });
    expect(JSON.parse(stdout)).toEqual({ checked: 3, repaired: 3, unrepaired: 0, unknownToIssuer: 0 });
    expect(await rowsFromIssuer()).toEqual(before);
  }, 60_000);
});

describe("the periodic reconciliation", () => {
  it("repairs drift on its own every interval", async () => {
    await t.addReplica({ timings: { reconcileIntervalMs: 300 } });
    const first = (await rowsFromIssuer())[0]!.license_id as string;
    const before = await rowsFromIssuer();
    await execute(t.orm, "delete from distribution.licenses where license_id = $1", [first]);
    const deadline = Date.now() + 15_000;
    while (!(await wholeRow(first)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await rowsFromIssuer()).toEqual(before);
  }, 20_000);
});

describe("issuer.license.digest-page and issuer.license.current-event", () => {
  const service = { ctx: { requestId: "req_reconcile", actor: serviceActor("distribution") } };

  it("answer a service: every license's digest, and one as its event", async () => {
    const page = await distributionBus.request(issuer.licenseDigestPage, { limit: 1_000 }, service);
    expect(page.next).toBeNull();
    const [digest] = page.items;
    const event = await distributionBus.request(issuer.currentLicenseEvent, { id: digest!.id }, service);
    expect(event).toMatchObject({ licenseId: digest!.id, serial: digest!.serial, state: digest!.state });
  });

  it("refuse a caller without a service identity", async () => {
    const anyId = { id: "lic_00000000000000000000000000" };
    await expect(t.env.bus.request(issuer.licenseDigestPage, {})).rejects.toMatchObject({
      code: "unauthorized",
    });
    await expect(t.env.bus.request(issuer.licenseDigestPage, {}, as)).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(
      t.env.bus.request(issuer.licenseDigestPage, {}, { ctx: { requestId: "req_root", actor: superadmin } }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(t.env.bus.request(issuer.currentLicenseEvent, anyId, as)).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(t.env.bus.request(issuer.currentLicenseEvent, anyId)).rejects.toMatchObject({
      code: "unauthorized",
    });
  });
});
