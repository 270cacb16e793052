// The issuer's and the catalog's audit logs, read over the bus as the gateway reads them.

import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { BusClient } from "@licensing/bus";
import { type AuditLogEntry, audit, catalog, issuer, serviceActor } from "@licensing/contracts";
import { execute, queryOne, verifyAuditChain } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actors, as, collectorProduct, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

let under: IssuerUnderTest;
beforeAll(async () => {
  under = await startIssuer();
  await under.product("collector", collectorProduct);
});
afterAll(() => under?.stop());

/** Waits until the chaining worker has chained every entry the filter names. */
async function chained(
  endpoint: typeof audit.issuer,
  filter: Record<string, string>,
): Promise<AuditLogEntry[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { items } = await under.env.bus.request(endpoint, { ...filter, limit: 100 });
    if (items.length > 0 && items.every((e) => e.chainSeq !== null)) return items;
    if (Date.now() > deadline) throw new Error(`not chained in time: ${JSON.stringify(items)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the issuer's audit log", () => {
  it("holds every license action, signing-key rotation and key reveal, chained", async () => {
    const account = await under.account();
    const { licenses } = await under.env.bus.request(
      issuer.createLicense,
      { accountId: account.id, products: ["collector"] } as never,
      as(actors.licenseAdmin, "req_audit_create"),
    );
    const id = licenses[0]!.license.id;
    await under.env.bus.request(issuer.suspend, { id, reason: "unpaid" }, as(actors.licenseAdmin));
    await under.env.bus.request(issuer.revealKey, { id }, as(actors.support, "req_audit_reveal"));
    await under.env.bus.request(issuer.rotateSigningKey, {}, as(actors.admin, "req_audit_rotate"));

    const trail = await chained(audit.issuer, { entityType: "license", entityId: id });
    expect(trail.map((e) => [e.action, e.actorName, e.service])).toEqual([
      ["license.key-revealed", "sue", "issuer"],
      ["license.suspended", "lea", "issuer"],
      ["license.issued", "lea", "issuer"],
    ]);
    expect(trail[2]).toMatchObject({ requestId: "req_audit_create", entityType: "license", entityId: id });
    // The license page's own trail still reads the same entries.
    const page = (await under.env.bus.request(issuer.auditTrail, { id })).items;
    expect(page.map((e) => e.id)).toEqual(trail.map((e) => e.id));

    const rotation = await chained(audit.issuer, { action: "signing-key.*" });
    expect(rotation[0]).toMatchObject({
      actorId: actors.admin.id,
      entityType: "signing-key",
      requestId: "req_audit_rotate",
    });
    expect(
      (await under.env.bus.request(audit.issuer, { actor: "sue", limit: 10 })).items.map((e) => e.action),
    ).toEqual(["license.key-revealed"]);
    const report = await verifyAuditChain(under.orm.em.fork(), "issuer");
    expect(report).toMatchObject({ ok: true });
    expect(report.checked).toBeGreaterThanOrEqual(4);
  });

  it("holds presets created, changed and deleted, and signed files downloaded by operators", async () => {
    const bus = under.env.bus;
    const preset = await bus.request(
      issuer.createPreset,
      { name: "Audited preset", parameters: { products: ["collector"], kind: "test", durationDays: 30 } },
      as(actors.licenseAdmin),
    );
    await bus.request(
      issuer.updatePreset,
      { id: preset.id, description: "for audits" },
      as(actors.licenseAdmin),
    );
    await bus.request(issuer.deletePreset, { id: preset.id }, as(actors.admin));
    const trail = await chained(audit.issuer, { entityType: "preset", entityId: preset.id });
    expect(trail.map((e) => [e.action, e.actorName])).toEqual([
      ["preset.deleted", "ada"],
      ["preset.updated", "lea"],
      ["preset.created", "lea"],
    ]);
    expect(trail[1]!.changes.description).toEqual(["", "for audits"]);

    const account = await under.account();
    const { licenses } = await bus.request(
      issuer.createLicense,
      { accountId: account.id, products: ["collector"] } as never,
      as(actors.licenseAdmin),
    );
    const id = licenses[0]!.license.id;
    await bus.request(issuer.getFile, { id }, as(actors.support, "req_audit_download"));
    // A viewer reads licenses but not their secrets (`license.reveal`): refused, nothing recorded.
    await expect(bus.request(issuer.getFile, { id }, as(actors.viewer))).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(bus.request(issuer.revealKey, { id }, as(actors.viewer))).rejects.toMatchObject({
      code: "forbidden",
    });
    // A service fetching a file for itself (distribution reconciling) is not an operator's download.
    const asDistribution = new BusClient(await under.env.connect("distribution"), {
      prefix: under.env.prefix,
    });
    await asDistribution.request(
      issuer.getFile,
      { id },
      { ctx: { requestId: "req_service", actor: serviceActor("distribution") } },
    );
    const downloads = await chained(audit.issuer, { action: "license.file-downloaded", entityId: id });
    expect(downloads.map((e) => [e.actorName, e.requestId, e.changes.serial])).toEqual([
      ["sue", "req_audit_download", [null, 1]],
    ]);
  });

  it("refuses bad filters with the field named", async () => {
    for (const bad of [
      { action: "DROP TABLE" },
      { from: "yesterday" },
      { entityType: "x".repeat(101) },
      { cursor: "bm9wZQ" },
      { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" },
      { limit: 501 },
      { unknown: 1 },
    ])
      await expect(
        under.env.bus.request(audit.issuer, bad as never),
        JSON.stringify(bad),
      ).rejects.toMatchObject({
        code: "validation_failed",
      });
  });
});

describe("the catalog's audit log", () => {
  it("holds account creation, changes, archive, restore, promotion and CSV imports, with what changed", async () => {
    const account = await under.env.bus.request(
      catalog.createAccount,
      { type: "prospect", name: "Audited Ltd", country: "FR" },
      as(actors.sales, "req_audit_account"),
    );
    await under.env.bus.request(
      catalog.updateAccount,
      { id: account.id, name: "Audited SA" },
      as(actors.sales),
    );
    await under.env.bus.request(catalog.archiveAccount, { id: account.id }, as(actors.licenseAdmin));
    await under.env.bus.request(catalog.restoreAccount, { id: account.id }, as(actors.licenseAdmin));
    await under.env.bus.request(catalog.promoteAccount, { id: account.id }, as(actors.sales));
    const trail = await chained(audit.catalog, { entityType: "account", entityId: account.id });
    expect(trail.map((e) => e.action)).toEqual([
      "account.promoted",
      "account.restored",
      "account.archived",
      "account.updated",
      "account.created",
    ]);
    expect(trail[3]!.changes).toEqual({ name: ["Audited Ltd", "Audited SA"] });
    expect(trail[4]).toMatchObject({ actorName: "sam", requestId: "req_audit_account", service: "catalog" });
    expect(trail[4]!.changes.name).toEqual([null, "Audited Ltd"]);
    // What it was created with, not its id or every empty field.
    expect(Object.keys(trail[4]!.changes).sort()).toEqual(["country", "name", "type"]);

    await under.env.bus.request(
      catalog.importAccounts,
      { csv: "External ID,Name,Type\nX-1,Imported One,customer\n", dryRun: false },
      as(actors.licenseAdmin, "req_audit_import"),
    );
    const run = await chained(audit.catalog, { action: "account.import-run" });
    expect(run[0]).toMatchObject({
      requestId: "req_audit_import",
      changes: { created: [null, 1], updated: [null, 0] },
    });
    const imported = await chained(audit.catalog, { action: "account.created", actor: "lea" });
    expect(imported[0]?.reason).toMatch(/CSV import/);
  });

  it("holds product creation, changes and deletion", async () => {
    await under.product("scanner", { ...collectorProduct });
    await under.env.bus.request(
      catalog.updateProduct,
      { code: "scanner", name: "Scanner 2" },
      as(actors.admin),
    );
    await under.env.bus.request(catalog.deleteProduct, { code: "scanner" }, as(actors.admin));
    const trail = await chained(audit.catalog, { entityType: "product", entityId: "scanner" });
    expect(trail.map((e) => [e.action, e.actorName])).toEqual([
      ["product.deleted", "ada"],
      ["product.updated", "ada"],
      ["product.created", "system"],
    ]);
    expect(trail[1]!.changes).toEqual({ name: ["Scanner", "Scanner 2"] });
    expect(trail[0]!.changes.name).toEqual(["Scanner 2", null]);
  });
});

describe("npm run audit:verify", () => {
  const verify = () =>
    spawnSync(process.execPath, [resolve(import.meta.dirname, "../src/audit-verify.ts")], {
      env: { PATH: process.env.PATH, DATABASE_URL: under.env.databaseUrl, LOG_LEVEL: "warn" },
      encoding: "utf8",
      timeout: 60_000,
    });

  // Last in the file: it breaks the issuer's chain on purpose.
  it("says the chain is intact, then names the first entry edited behind the platform's back", async () => {
    await chained(audit.issuer, { entityType: "license" });
    const intact = verify();
    expect(intact.stdout).toMatch(
      /^issuer: audit chain intact: \d+ entries, \d+ pending; head \d+ [0-9a-f]{64}/,
    );
    expect(intact.status).toBe(0);

    // Someone with the owner's rights turns the guard off and rewrites who revealed a key.
    const victim = await queryOne<{ id: string; chain_seq: string }>(
      under.orm,
      "select id, chain_seq from issuer.audit_log where action = 'license.key-revealed' order by chain_seq limit 1",
    );
    await under.orm.em.fork().transactional(async (em) => {
      await execute(em, "alter table issuer.audit_log disable trigger audit_log_append_only");
      await execute(em, "update issuer.audit_log set actor_name = 'nobody' where id = $1", [victim!.id]);
      await execute(em, "alter table issuer.audit_log enable trigger audit_log_append_only");
    });
    const broken = verify();
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(
      `issuer: audit chain BROKEN at entry ${victim!.chain_seq} (${victim!.id})`,
    );
  });
});
