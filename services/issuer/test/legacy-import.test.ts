import { randomUUID } from "node:crypto";
import { type Account, type Actor, AppError, catalog, issuer, newId } from "@licensing/contracts";
import { legacyKeyLookupHash, verifyLicenseFile } from "@licensing/model";
import { queryOne } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actors, as, collectorProduct, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

let under: IssuerUnderTest;
let account: Account;

beforeAll(async () => {
  under = await startIssuer();
  await under.product("collector", collectorProduct);
  account = await under.account({ name: "Legacy Customer" });
});
afterAll(async () => {
  await under?.stop();
});

function item(legacyId: string, guid: string = randomUUID(), extra: Record<string, unknown> = {}) {
  return {
    accountId: account.id,
    products: ["collector"],
    startDate: "2020-01-01T00:00:00Z",
    endDate: "2030-01-01T00:00:00Z",
    accumulatedUnits: 5_000,
    unitsPerExecution: 500,
    executionModes: ["migration"],
    ownerCompany: "Legacy Customer S.A.",
    ownerName: "Old Owner",
    ownerEmail: "owner@legacy.test",
    notifyDays: 15,
    legacy: {
      source: "vbuc-cli" as const,
      id: legacyId,
      key: guid,
      dateIssued: "2019-12-15T10:30:00Z",
      createdBy: "jdoe",
      licenseFile: "<LicenseFile>legacy XML, signed by the old generator</LicenseFile>",
    },
    ...extra,
  };
}

const importAs = (items: unknown[], runId: string, actor: Actor = actors.admin) =>
  under.env.bus.request(issuer.importLegacy, { runId, items } as never, as(actor));

async function keys() {
  const { items } = await under.env.bus.request(issuer.listSigningKeys, {});
  return items.map((k) => ({
    keyId: k.keyId,
    publicKey: new Uint8Array(Buffer.from(k.publicKey, "base64url")),
  }));
}

describe("issuer.license.import-legacy", () => {
  it("creates a signed v2 license carrying its legacy origin, then answers unchanged, then updated", async () => {
    const runId = newId("run");
    const guid = randomUUID();
    const first = await importAs([item("CLI-1", guid)], runId);
    expect(first.items).toEqual([
      {
        index: 0,
        source: "vbuc-cli",
        legacyId: "CLI-1",
        outcome: "created",
        licenseId: expect.stringMatching(/^lic_/),
        error: null,
      },
    ]);
    const id = first.items[0]!.licenseId!;

    const file = await under.env.bus.request(issuer.getFile, { id }, as(actors.admin));
    const license = verifyLicenseFile(file.file, await keys());
    expect(license).toMatchObject({
      id,
      dateIssued: "2019-12-15T10:30:00.000Z",
      createdBy: "jdoe",
      ownerCompany: "Legacy Customer S.A.",
      ownerName: "Old Owner",
      executionModes: ["migration"],
      metadata: { "legacy.source": "vbuc-cli", "legacy.id": "CLI-1" },
    });
    // The license keeps an LK- key of its own; the GUID is stored as a hash only.
    const revealed = await under.env.bus.request(issuer.revealKey, { id }, as(actors.admin));
    expect(revealed.licenseKey).toMatch(/^LK-/);
    const stored = await queryOne<{ legacy_key_hash: string }>(
      under.orm,
      "select legacy_key_hash from issuer.licenses where id = $1",
      [id],
    );
    expect(stored!.legacy_key_hash).toBe(legacyKeyLookupHash(guid));

    // The same data again (the GUID spelled otherwise) changes nothing.
    const again = await importAs([item("CLI-1", `{${guid.toUpperCase()}}`)], newId("run"));
    expect(again.items[0]).toMatchObject({ outcome: "unchanged", licenseId: id });
    const versions = await under.env.bus.request(issuer.listVersions, { id }, as(actors.admin));
    expect(versions.items).toHaveLength(1);

    // Changed data signs a new version of the same license.
    const updated = await importAs([item("CLI-1", guid, { accumulatedUnits: 9_000 })], runId);
    expect(updated.items[0]).toMatchObject({ outcome: "updated", licenseId: id });
    const detail = await under.env.bus.request(issuer.getLicense, { id }, as(actors.admin));
    expect(detail).toMatchObject({ accumulatedUnits: 9_000, serial: 2, createdByName: "jdoe" });

    // A GUID in the licenses list's text filter finds the license.
    const found = await under.env.bus.request(
      issuer.listLicenses,
      { text: guid.toUpperCase() },
      as(actors.sales),
    );
    expect(found.items.map((l) => l.id)).toEqual([id]);

    // The run's own update is no change since the run: it rolls back.
    const rolledBack = await under.env.bus.request(issuer.rollbackMigration, { runId }, as(actors.admin));
    expect(rolledBack).toEqual({ runId, removed: 1 });
  });

  it("imports each legacy license once when two imports of it run at once, or it repeats in a batch", async () => {
    const batch = Array.from({ length: 20 }, (_, i) => item(`RACE-${i}`));
    const [a, b] = await Promise.all([importAs(batch, newId("run")), importAs(batch, newId("run"))]);
    for (const [i] of batch.entries()) {
      expect([a.items[i]!.outcome, b.items[i]!.outcome].sort()).toEqual(["created", "unchanged"]);
      expect(a.items[i]!.licenseId).toBe(b.items[i]!.licenseId);
    }
    const count = await queryOne<{ n: string }>(
      under.orm,
      "select count(*) as n from issuer.legacy_licenses where legacy_id like 'RACE-%'",
    );
    expect(count!.n).toBe("20");

    const guid = randomUUID();
    const { items } = await importAs(
      [item("REPEAT-1", guid), item("REPEAT-1", guid), item("REPEAT-1", guid, { notifyDays: 40 })],
      newId("run"),
    );
    expect(items.map((i) => i.outcome)).toEqual(["created", "unchanged", "updated"]);
    expect(new Set(items.map((i) => i.licenseId)).size).toBe(1);
  });

  it("records an audit entry naming the run", async () => {
    const runId = newId("run");
    const { items } = await importAs([item("CLI-AUDIT")], runId);
    const trail = await under.env.bus.request(
      issuer.auditTrail,
      { id: items[0]!.licenseId! },
      as(actors.admin),
    );
    expect(trail.items).toEqual([
      expect.objectContaining({
        action: "license.imported",
        actorId: actors.admin.id,
        reason: `migration run ${runId}`,
        changes: expect.objectContaining({
          runId: [null, runId],
          source: [null, "vbuc-cli"],
          legacyId: [null, "CLI-AUDIT"],
          outcome: [null, "created"],
        }),
      }),
    ]);
  });

  it("answers each invalid item with its error and imports the valid ones", async () => {
    const guid = randomUUID();
    const archived = await under.account({ name: "Archived Legacy Customer" });
    await under.env.bus.request(catalog.archiveAccount, { id: archived.id });
    const { items } = await importAs(
      [
        item("ERR-1", randomUUID(), { accountId: newId("account") }),
        item("ERR-1A", randomUUID(), { accountId: archived.id }),
        item("ERR-2"),
        item("ERR-3", randomUUID(), { products: ["nonesuch"] }),
        item("ERR-4", randomUUID(), { startDate: "2031-01-01T00:00:00Z" }),
        item("ERR-5", guid),
        // The same GUID under another legacy id is refused: a key names one license.
        item("ERR-6", guid.replaceAll("-", "")),
      ],
      newId("run"),
    );
    expect(items.map((i) => [i.legacyId, i.outcome, i.error?.code ?? null])).toEqual([
      ["ERR-1", "failed", "not_found"],
      ["ERR-1A", "failed", "account_archived"],
      ["ERR-2", "created", null],
      ["ERR-3", "failed", "validation_failed"],
      ["ERR-4", "failed", "validation_failed"],
      ["ERR-5", "created", null],
      ["ERR-6", "failed", "conflict"],
    ]);
    expect(items[3]!.error!.issues).toEqual([expect.objectContaining({ path: "products.0" })]);
    expect(items[6]!.error!.message).toContain(items[5]!.licenseId!);
    // Nothing of a failed item was written.
    const origins = await queryOne<{ n: string }>(
      under.orm,
      "select count(*) as n from issuer.legacy_licenses where legacy_id in ('ERR-1', 'ERR-1A', 'ERR-3', 'ERR-4', 'ERR-6')",
    );
    expect(origins!.n).toBe("0");
  });

  it("refuses what the contract forbids, naming the field", async () => {
    const bad = [
      [{ ...item("V-1"), legacy: { ...item("V-1").legacy, key: "not-a-guid" } }, "items.0.legacy.key"],
      [{ ...item("V-2"), legacy: { ...item("V-2").legacy, source: "excel" } }, "items.0.legacy.source"],
      [{ ...item("V-3"), encrypted: true }, "items.0.encrypted"],
      [
        { ...item("V-4"), legacy: { ...item("V-4").legacy, licenseFile: "x".repeat(2 * 1024 * 1024 + 1) } },
        "items.0.legacy.licenseFile",
      ],
    ] as const;
    for (const [value, path] of bad) {
      const error = await importAs([value], newId("run")).catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("validation_failed");
      expect(JSON.stringify((error as AppError).details)).toContain(path);
    }
    const tooMany = await importAs(
      Array.from({ length: 501 }, (_, i) => item(`MANY-${i}`)),
      newId("run"),
    ).catch((e: unknown) => e);
    expect((tooMany as AppError).code).toBe("validation_failed");
  });

  it("is for superadmins only", async () => {
    for (const actor of [actors.licenseAdmin, actors.sales]) {
      await expect(importAs([item("SEC-1")], newId("run"), actor)).rejects.toMatchObject({
        code: "forbidden",
      });
      await expect(
        under.env.bus.request(issuer.rollbackMigration, { runId: newId("run") }, as(actor)),
      ).rejects.toMatchObject({ code: "forbidden" });
    }
    await expect(
      under.env.bus.request(issuer.importLegacy, { runId: newId("run"), items: [item("SEC-2")] } as never),
    ).rejects.toMatchObject({ code: "unauthorized" });
  });
});

describe("issuer.license.legacy-file", () => {
  it("gives the legacy LicenseFile text to license admins, not to sales", async () => {
    const runId = newId("run");
    const { items } = await importAs([item("PROV-1")], runId);
    const id = items[0]!.licenseId!;
    for (const actor of [actors.admin, actors.licenseAdmin]) {
      const provenance = await under.env.bus.request(issuer.legacyFile, { id }, as(actor));
      expect(provenance).toMatchObject({
        licenseId: id,
        source: "vbuc-cli",
        legacyId: "PROV-1",
        runId,
        createdBy: "jdoe",
        dateIssued: "2019-12-15T10:30:00.000Z",
        licenseFile: "<LicenseFile>legacy XML, signed by the old generator</LicenseFile>",
      });
    }
    for (const actor of [actors.sales, actors.support, actors.viewer]) {
      await expect(under.env.bus.request(issuer.legacyFile, { id }, as(actor))).rejects.toMatchObject({
        code: "forbidden",
      });
    }
    const created = await under.env.bus.request(
      issuer.createLicense,
      { accountId: account.id, products: ["collector"] },
      as(actors.admin),
    );
    await expect(
      under.env.bus.request(issuer.legacyFile, { id: created.licenses[0]!.license.id }, as(actors.admin)),
    ).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("issuer.migration.rollback", () => {
  it("removes every license of the run, and the run can be imported again", async () => {
    const runId = newId("run");
    const guid = randomUUID();
    const { items } = await importAs([item("RB-1", guid), item("RB-2")], runId);
    const ids = items.map((i) => i.licenseId!);
    const answer = await under.env.bus.request(issuer.rollbackMigration, { runId }, as(actors.admin));
    expect(answer).toEqual({ runId, removed: 2 });
    for (const id of ids) {
      await expect(under.env.bus.request(issuer.getLicense, { id }, as(actors.admin))).rejects.toMatchObject({
        code: "not_found",
      });
    }
    await expect(
      under.env.bus.request(issuer.rollbackMigration, { runId }, as(actors.admin)),
    ).rejects.toMatchObject({ code: "not_found" });
    // The trail of a removed license stays readable.
    const trail = await under.env.bus.request(issuer.auditTrail, { id: ids[0]! }, as(actors.admin));
    expect(trail.items.map((e) => e.action)).toEqual(["license.rolled-back", "license.imported"]);
    expect(trail.items[0]!.reason).toBe(`migration run ${runId} rolled back`);
    const again = await importAs([item("RB-1", guid)], newId("run"));
    expect(again.items[0]).toMatchObject({ outcome: "created" });
    expect(again.items[0]!.licenseId).not.toBe(ids[0]);
  });

  it("is refused while a license of the run has changed since, naming it", async () => {
    const runId = newId("run");
    const { items } = await importAs([item("RBC-1"), item("RBC-2")], runId);
    const changed = items[1]!.licenseId!;
    await under.env.bus.request(
      issuer.suspend,
      { id: changed, reason: "customer dispute" },
      as(actors.admin),
    );
    const error = await under.env.bus
      .request(issuer.rollbackMigration, { runId }, as(actors.admin))
      .catch((e: unknown) => e as AppError);
    expect(error).toMatchObject({
      code: "conflict",
      details: { changedCount: 1, changed: [{ licenseId: changed, source: "vbuc-cli", legacyId: "RBC-2" }] },
    });
    expect((error as AppError).message).toContain(changed);
    // Nothing was removed.
    await under.env.bus.request(issuer.getLicense, { id: items[0]!.licenseId! }, as(actors.admin));

    // A later run's update of a license counts as a change too.
    const second = newId("run");
    const { items: later } = await importAs([item("RBC-3")], second);
    await importAs([item("RBC-3", undefined, { notifyDays: 20 })], newId("run"));
    await expect(
      under.env.bus.request(issuer.rollbackMigration, { runId: second }, as(actors.admin)),
    ).rejects.toMatchObject({ code: "conflict", details: { changed: [{ licenseId: later[0]!.licenseId }] } });
  });
});

describe("issuer.license.preview-legacy", () => {
  const preview = (items: unknown[], actor: Actor = actors.admin) =>
    under.env.bus.request(issuer.previewLegacy, { items } as never, as(actor));

  it("says what an import would do without storing anything", async () => {
    const runId = newId("run");
    const [kept, changed, taken] = [randomUUID(), randomUUID(), randomUUID()];
    const imported = await importAs(
      [item("PRE-1", kept), item("PRE-2", changed), item("PRE-3", taken)],
      runId,
    );
    const ids = imported.items.map((i) => i.licenseId);
    const before = await queryOne<{ n: number }>(under.orm, "select count(*)::int as n from issuer.licenses");

    const answer = await preview([
      item("PRE-1", kept),
      item("PRE-2", changed, { notifyDays: 20 }),
      item("PRE-4", taken),
      item("PRE-5"),
      { ...item("PRE-1", kept), accountId: null },
    ]);
    expect(answer.items.map((i) => [i.outcome, i.licenseId])).toEqual([
      ["unchanged", ids[0]],
      ["updated", ids[1]],
      ["conflict", ids[2]],
      ["created", null],
      // An account the run has yet to create: the license would move to it.
      ["updated", ids[0]],
    ]);
    expect(answer.items[2]!.message).toContain(ids[2]!);
    expect(await queryOne(under.orm, "select count(*)::int as n from issuer.licenses")).toEqual(before);
  });

  it("is for superadmins only", async () => {
    await expect(preview([item("PRE-6")], actors.licenseAdmin)).rejects.toMatchObject({ code: "forbidden" });
  });
});
