import { issuer } from "@licensing/contracts";
import { query } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actors, as, collectorProduct, type IssuerUnderTest, startIssuer } from "./issuer-harness.ts";

// The largest batch a request may ask for: 100 licenses in one transaction, all of it or none.
let under: IssuerUnderTest;
beforeAll(async () => {
  under = await startIssuer();
  await under.addReplica();
  await under.product("collector", collectorProduct);
});
afterAll(() => under?.stop());

const create = (accountId: string, extra: Record<string, unknown> = {}) =>
  under.env.bus.request(
    issuer.createLicense,
    { accountId, products: ["collector"], count: 100, ...extra } as never,
    as(actors.sales),
  );

/** What the account has stored: licenses, their versions and their audit entries. */
async function storedFor(accountId: string) {
  const [row] = await query<{ licenses: string; versions: string; audit: string; batches: string }>(
    under.orm,
    `select count(*) as licenses, count(distinct l.batch_id) as batches,
            (select count(*) from issuer.license_versions v join issuer.licenses x on x.id = v.license_id
              where x.account_id = $1) as versions,
            (select count(*) from issuer.audit_log a join issuer.licenses x on x.id = a.entity_id
              where x.account_id = $1 and a.action = 'license.issued') as audit
       from issuer.licenses l where l.account_id = $1`,
    [accountId],
  );
  return {
    licenses: Number(row!.licenses),
    batches: Number(row!.batches),
    versions: Number(row!.versions),
    audit: Number(row!.audit),
  };
}

describe("a batch of 100 licenses", () => {
  it("stores every license with its version and audit entry, each with its own key", async () => {
    const account = await under.account();
    const answer = await create(account.id);
    expect(answer.licenses).toHaveLength(100);
    expect(new Set(answer.licenses.map((l) => l.license.id)).size).toBe(100);
    expect(new Set(answer.licenses.map((l) => l.licenseKey)).size).toBe(100);
    expect(answer.licenses.every((l) => l.license.batchId === answer.batchId)).toBe(true);
    expect(await storedFor(account.id)).toEqual({ licenses: 100, batches: 1, versions: 100, audit: 100 });
    const listed = await under.env.bus.request(issuer.listLicenses, { accountId: account.id, limit: 500 });
    expect(listed.items.map((l) => l.id).sort()).toEqual(answer.licenses.map((l) => l.license.id).sort());
  });

  it("stores none of it when storing fails partway", async () => {
    const account = await under.account({ name: "Halfway Ltd" });
    // The database refuses the 60th license of this account, after 59 went in.
    await query(
      under.orm,
      `create function issuer.refuse_sixtieth() returns trigger language plpgsql as $$
       begin
         if new.account_id = '${account.id}'
            and (select count(*) from issuer.licenses where account_id = new.account_id) >= 59 then
           raise exception 'refused for the test';
         end if;
         return new;
       end $$`,
    );
    await query(
      under.orm,
      "create trigger refuse_sixtieth before insert on issuer.licenses for each row execute function issuer.refuse_sixtieth()",
    );
    try {
      await expect(create(account.id)).rejects.toMatchObject({ code: "internal" });
      expect(await storedFor(account.id)).toEqual({ licenses: 0, batches: 0, versions: 0, audit: 0 });
    } finally {
      await query(under.orm, "drop trigger refuse_sixtieth on issuer.licenses");
      await query(under.orm, "drop function issuer.refuse_sixtieth()");
    }
    // Nothing was left behind: the same request now goes through.
    expect((await create(account.id)).licenses).toHaveLength(100);
  });

  it("is created once when the same request arrives twice at once, on two replicas", async () => {
    const account = await under.account();
    const [first, second] = await Promise.all([
      create(account.id, { idempotencyKey: "bulk-order-7" }),
      create(account.id, { idempotencyKey: "bulk-order-7" }),
    ]);
    expect(second).toEqual(first);
    expect(await storedFor(account.id)).toEqual({ licenses: 100, batches: 1, versions: 100, audit: 100 });
    expect(await create(account.id, { idempotencyKey: "bulk-order-7" })).toEqual(first);
  });

  it("stores every one of 30 batches sent at once, past what one statement can bind", async () => {
    // A group commit writes whatever queued up meanwhile: here up to 3,000 licenses and their
    // versions, audit entries and events, about 75 parameters each where one statement binds 65,535
    // (groups of 1,200 and more were seen here, written in several statements).
    const account = await under.account({ name: "Thirty Batches Ltd" });
    const answers = await Promise.all(Array.from({ length: 30 }, () => create(account.id)));
    expect(answers.flatMap((answer) => answer.licenses)).toHaveLength(3_000);
    expect(await storedFor(account.id)).toEqual({
      licenses: 3_000,
      batches: 30,
      versions: 3_000,
      audit: 3_000,
    });
  });
});
