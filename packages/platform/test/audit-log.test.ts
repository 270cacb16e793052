import { AppError, newId } from "@licensing/contracts";
import { createTestEnv, type TestEnv } from "@licensing/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditRow, chainHash, chainLinks, linksBetweenTurns } from "../src/audit/chain.ts";
import {
  AuditLogEntity,
  auditLogMigration,
  chainAuditBatch,
  execute,
  listAudit,
  type Orm,
  openDatabase,
  query,
  recordAudit,
  verifyAuditChain,
} from "../src/index.ts";

let env: TestEnv;
const orms: Orm[] = [];
let counter = 0;

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  for (const orm of orms) await orm.close();
  await env?.stop();
});

/** A schema of its own holding only an audit log, as every service keeps one. */
async function openLog(): Promise<{ orm: Orm; schema: string }> {
  const schema = `audit_probe_${++counter}`;
  const orm = await openDatabase({
    url: env.databaseUrl,
    schema,
    entities: [AuditLogEntity],
    migrations: [auditLogMigration],
    folder: import.meta.dirname,
    log: env.log,
  });
  orms.push(orm);
  return { orm, schema };
}

const ada = { id: "usr_01ADA", username: "ada" };

async function write(orm: Orm, n: number, action = "thing.changed"): Promise<void> {
  await orm.em.fork().transactional((em) =>
    recordAudit(
      em,
      ...Array.from({ length: n }, (_, i) => ({
        action,
        entityType: "thing",
        entityId: `thing_${i}`,
        actor: ada,
        ctx: { requestId: newId("request") },
        changes: { n: [i, i + 1] as [unknown, unknown] },
      })),
    ),
  );
}

/** Runs `sql` with the guard off, as someone with the table owner's rights could. */
async function tamper(orm: Orm, schema: string, ...statements: string[]): Promise<void> {
  await orm.em.fork().transactional(async (em) => {
    await execute(em, `alter table "${schema}".audit_log disable trigger audit_log_append_only`);
    for (const sql of statements) await execute(em, sql.replaceAll("LOG", `"${schema}".audit_log`));
    await execute(em, `alter table "${schema}".audit_log enable trigger audit_log_append_only`);
  });
}

describe("the audit log", () => {
  it("commits entries with the transaction that wrote them, and chains them in order", async () => {
    const { orm } = await openLog();
    await expect(
      orm.em.fork().transactional(async (em) => {
        await recordAudit(em, { action: "thing.created", entityType: "thing", entityId: "t1", actor: ada });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    await write(orm, 5);
    const before = await verifyAuditChain(orm.em.fork(), "probe");
    expect(before).toMatchObject({ ok: true, checked: 0, pending: 5, head: null });

    expect(await chainAuditBatch(orm, "probe")).toBe(5);
    expect(await chainAuditBatch(orm, "probe")).toBe(0);
    await write(orm, 2);
    expect(await chainAuditBatch(orm, "probe")).toBe(2);
    const after = await verifyAuditChain(orm.em.fork(), "probe");
    expect(after).toMatchObject({ ok: true, checked: 7, pending: 0, head: { seq: 7 } });
    // Verified as another service's log, no link matches.
    expect((await verifyAuditChain(orm.em.fork(), "other")).firstBroken?.seq).toBe(1);
  });

  it("refuses updates, deletions and truncation, but the one setting of chain fields", async () => {
    const { orm, schema } = await openLog();
    await write(orm, 2);
    const table = `"${schema}".audit_log`;
    const refused = { code: "42501" };
    await expect(execute(orm, `update ${table} set action = 'thing.forged'`)).rejects.toMatchObject(refused);
    await expect(execute(orm, `delete from ${table}`)).rejects.toMatchObject(refused);
    await expect(execute(orm, `truncate ${table}`)).rejects.toMatchObject(refused);
    // Setting the chain fields and something else at once is an edit.
    await expect(
      execute(orm, `update ${table} set chain_seq = 1, hash = 'x', reason = 'forged'`),
    ).rejects.toMatchObject(refused);
    await chainAuditBatch(orm, "probe");
    await expect(execute(orm, `update ${table} set chain_seq = chain_seq + 10`)).rejects.toMatchObject(
      refused,
    );
    expect((await verifyAuditChain(orm.em.fork(), "probe")).ok).toBe(true);
  });

  it("names the first entry edited by hand", async () => {
    const { orm, schema } = await openLog();
    await write(orm, 5);
    await chainAuditBatch(orm, "probe");
    await tamper(orm, schema, `update LOG set changes = '{"n":[0,99]}' where chain_seq = 3`);
    const report = await verifyAuditChain(orm.em.fork(), "probe");
    const [third] = await query<{ id: string }>(
      orm,
      `select id from "${schema}".audit_log where chain_seq = 3`,
    );
    expect(report).toMatchObject({ ok: false, checked: 2, firstBroken: { seq: 3, id: third!.id } });
  });

  it("names the place of an entry deleted by hand", async () => {
    const { orm, schema } = await openLog();
    await write(orm, 5);
    await chainAuditBatch(orm, "probe");
    await tamper(orm, schema, "delete from LOG where chain_seq = 2");
    const report = await verifyAuditChain(orm.em.fork(), "probe");
    expect(report).toMatchObject({ ok: false, checked: 1, firstBroken: { seq: 2, id: null } });
    expect(report.firstBroken?.reason).toMatch(/missing/);
  });

  it("finds entries reordered by hand, and a deletion renumbered to hide it", async () => {
    const { orm, schema } = await openLog();
    await write(orm, 5);
    await chainAuditBatch(orm, "probe");
    await tamper(
      orm,
      schema,
      "update LOG set chain_seq = -chain_seq where chain_seq in (2, 4)",
      "update LOG set chain_seq = case chain_seq when -2 then 4 else 2 end where chain_seq in (-2, -4)",
    );
    expect((await verifyAuditChain(orm.em.fork(), "probe")).firstBroken?.seq).toBe(2);

    const other = await openLog();
    await write(other.orm, 4);
    await chainAuditBatch(other.orm, "probe");
    await tamper(
      other.orm,
      other.schema,
      "delete from LOG where chain_seq = 2",
      "update LOG set chain_seq = 1 - chain_seq where chain_seq > 2",
      "update LOG set chain_seq = -chain_seq where chain_seq < 0",
    );
    expect((await verifyAuditChain(other.orm.em.fork(), "probe")).firstBroken?.seq).toBe(2);
  });

  it("chains once and in one order however many replicas chain while writers write", async () => {
    const { orm } = await openLog();
    const writers = Array.from({ length: 10 }, () => write(orm, 20));
    // Half the replicas take batches long enough to let the event loop turn while they hold the lock.
    const chainers = Array.from({ length: 4 }, async (_, replica) => {
      const batchSize = replica % 2 ? 37 : 3 * linksBetweenTurns + 7;
      for (let i = 0; i < 10; i++) await chainAuditBatch(orm, "probe", batchSize);
    });
    await Promise.all([...writers, ...chainers]);
    while ((await chainAuditBatch(orm, "probe")) > 0);
    const report = await verifyAuditChain(orm.em.fork(), "probe");
    expect(report).toMatchObject({ ok: true, checked: 200, pending: 0, head: { seq: 200 } });
  });

  it("links a long batch in stretches, letting requests through between them", async () => {
    const rows: AuditRow[] = Array.from({ length: 500 }, (_, i) => ({
      id: `audit_${i}`,
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      actor_id: ada.id,
      actor_name: ada.username,
      action: "thing.changed",
      entity_type: "thing",
      entity_id: `thing_${i}`,
      request_id: null,
      reason: null,
      changes: { n: [i, i + 1] },
      chain_seq: null,
      hash: null,
    }));
    // Something else waiting on the event loop: it runs once at every turn the linking lets through.
    let turns = 0;
    let linking = true;
    const otherWork = () => {
      turns++;
      if (linking) setImmediate(otherWork);
    };
    setImmediate(otherWork);
    const links = await chainLinks("probe", { seq: 7, hash: "a".repeat(64) }, rows);
    linking = false;
    expect(turns).toBeGreaterThanOrEqual(rows.length / linksBetweenTurns - 1);
    // The same links as linking them in one go.
    let previous = "a".repeat(64);
    const hashes = rows.map((row, i) => (previous = chainHash(previous, "probe", 8 + i, row)));
    expect(links).toEqual({ ids: rows.map((row) => row.id), seqs: rows.map((_, i) => 8 + i), hashes });

    const { orm } = await openLog();
    await write(orm, 3 * linksBetweenTurns + 7);
    expect(await chainAuditBatch(orm, "probe")).toBe(3 * linksBetweenTurns + 7);
    const report = await verifyAuditChain(orm.em.fork(), "probe");
    expect(report).toMatchObject({ ok: true, pending: 0, head: { seq: 3 * linksBetweenTurns + 7 } });
  });

  it("lists entries newest first, filtered, a page at a time", async () => {
    const { orm } = await openLog();
    await write(orm, 3, "thing.created");
    await orm.em.fork().transactional((em) =>
      recordAudit(
        em,
        {
          action: "user.signed-in",
          entityType: "user",
          entityId: "usr_01BOB",
          actor: { id: "usr_01BOB", username: "bob" },
        },
        { action: "thing.deleted", entityType: "thing", entityId: "thing_1", ctx: { requestId: "req_1" } },
      ),
    );
    const em = orm.em.fork();
    const all = await listAudit(em, "probe", { limit: 100 });
    expect(all.items).toHaveLength(5);
    const keys = all.items.map((e) => `${e.at}|${e.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    expect(all.items[0]).toMatchObject({ service: "probe", chainSeq: null });

    expect((await listAudit(em, "probe", { actor: "bob", limit: 100 })).items.map((e) => e.action)).toEqual([
      "user.signed-in",
    ]);
    expect(
      (await listAudit(em, "probe", { actor: "system", limit: 100 })).items.map((e) => e.action),
    ).toEqual(["thing.deleted"]);
    expect((await listAudit(em, "probe", { action: "thing.*", limit: 100 })).items).toHaveLength(4);
    expect(
      (await listAudit(em, "probe", { entityType: "thing", entityId: "thing_1", limit: 100 })).items,
    ).toHaveLength(2);
    expect((await listAudit(em, "probe", { from: "2999-01-01T00:00:00Z", limit: 100 })).items).toEqual([]);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listAudit(em, "probe", { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all.items.map((e) => e.id));

    await expect(listAudit(em, "probe", { cursor: "not-a-cursor", limit: 10 })).rejects.toBeInstanceOf(
      AppError,
    );
    await expect(
      listAudit(em, "probe", { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z", limit: 10 }),
    ).rejects.toMatchObject({ code: "validation_failed" });
  });
});
