import type { Account } from "@licensing/contracts";
import { type ErrorResponse, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { AuditLogEntity, eventStreamName, readEnvelope } from "@licensing/platform";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The accounts routes end to end: browser → gateway → NATS → a real catalog service → PostgreSQL.
let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway({ catalog: true, activateCrm: true });
});
afterAll(() => gw?.stop());

const unknownId = "acc_01ZZZZZZZZZZZZZZZZZZZZZZZZ";
const issuePaths = (body: ErrorResponse) => body.details?.issues?.map((i) => i.path).sort();

describe("accounts (happy path)", () => {
  it("creates an account as the signed-in operator, under the request's id", async () => {
    const sales = await gw.userWith(["sales"], "sam");
    const response = await sales.post("/api/accounts", {
      type: "prospect",
      name: "Acme Corporation",
      externalId: "CRM-1",
      country: "fr",
      contacts: [{ name: "Wile E.", email: "wile@acme.test" }],
    });
    expect(response.statusCode).toBe(201);
    const account = response.json<Account>();
    expect(account).toMatchObject({ type: "prospect", name: "Acme Corporation", country: "FR", version: 1 });
    // The catalog recorded the change with the gateway's request id and the operator as the actor,
    // and published its event under that request id (the relay deletes the outbox row once it has).
    const requestId = response.headers["x-request-id"];
    const samId = (await sales.get("/api/auth/session")).json().user.id;
    const audit = await gw.catalogOrm!.em.fork().findOneOrFail(AuditLogEntity, {
      action: "account.created",
      entityId: account.id,
    });
    expect(audit).toMatchObject({ requestId, actorId: samId });
    const jsm = await jetstreamManager(gw.env.nc);
    const published = async () => {
      const stored = await jsm.streams
        .getMessage(eventStreamName(gw.env.prefix), { last_by_subj: `${gw.env.prefix}.evt.account.created` })
        .catch(() => null);
      return stored?.json<Account>().id === account.id
        ? readEnvelope(stored.header, "").requestId
        : undefined;
    };
    await expect.poll(published, { timeout: 10_000 }).toBe(requestId);
    expect((await sales.get(`/api/accounts/${account.id}`)).json()).toEqual(account);
  });

  it("searches with the query string: text, type, archived, page size and cursor", async () => {
    for (const name of ["Globex One", "Globex Two", "Globex Three"])
      await gw.admin.post("/api/accounts", { type: "customer", name });
    const archived = (
      await gw.admin.post("/api/accounts", { type: "customer", name: "Globex Archived" })
    ).json<Account>();
    await gw.admin.post(`/api/accounts/${archived.id}/archive`);

    const page1 = (await gw.admin.get("/api/accounts?query=globex&type=customer&limit=2")).json();
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = (
      await gw.admin.get(
        `/api/accounts?query=globex&type=customer&limit=2&cursor=${encodeURIComponent(page1.nextCursor)}`,
      )
    ).json();
    const names = [...page1.items, ...page2.items].map((a: Account) => a.name);
    expect(names.sort()).toEqual(["Globex One", "Globex Three", "Globex Two"]);
    const all = (await gw.admin.get("/api/accounts?query=globex&includeArchived=true&limit=50")).json();
    expect(all.items.map((a: Account) => a.name)).toContain("Globex Archived");
    // The count takes the same filters, without the page.
    const counted = await gw.admin.get("/api/accounts/count?query=globex&type=customer");
    expect([counted.statusCode, counted.json()]).toEqual([200, { count: 3, capped: false }]);
    const withArchived = (await gw.admin.get("/api/accounts/count?query=globex&includeArchived=true")).json();
    expect(withArchived).toEqual({ count: 4, capped: false });
    expect((await gw.admin.get("/api/accounts/count?limit=2")).statusCode).toBe(400);
  });

  it("edits, promotes, archives and restores", async () => {
    const account = (
      await gw.admin.post("/api/accounts", { type: "prospect", name: "Initech" })
    ).json<Account>();
    const edited = await gw.admin.patch(`/api/accounts/${account.id}`, {
      notes: "met at fair",
      expectedVersion: 1,
    });
    expect(edited.json()).toMatchObject({ notes: "met at fair", version: 2 });
    expect((await gw.admin.post(`/api/accounts/${account.id}/promote`)).json().type).toBe("customer");
    expect((await gw.admin.post(`/api/accounts/${account.id}/archive`)).json().archived).toBe(true);
    expect((await gw.admin.post(`/api/accounts/${account.id}/restore`)).json().archived).toBe(false);

    // Its history: every change, newest first, by whom, with what changed; readable by a viewer.
    const viewer = await gw.userWith(["viewer"]);
    await expect
      .poll(async () => {
        const history = (await viewer.get(`/api/accounts/${account.id}/history`)).json();
        return history.items.map((e: { action: string }) => e.action);
      })
      .toEqual([
        "account.restored",
        "account.archived",
        "account.promoted",
        "account.updated",
        "account.created",
      ]);
    const history = (await viewer.get(`/api/accounts/${account.id}/history?limit=2`)).json();
    expect(history.items).toHaveLength(2);
    expect(history.nextCursor).toEqual(expect.any(String));
    const older = (
      await viewer.get(`/api/accounts/${account.id}/history?limit=10&cursor=${history.nextCursor}`)
    ).json();
    expect(older.items.map((e: { action: string }) => e.action)).toEqual([
      "account.promoted",
      "account.updated",
      "account.created",
    ]);
    expect(older.items[1]).toMatchObject({ actorName: "admin", changes: { notes: ["", "met at fair"] } });
    const unknown = await viewer.get("/api/accounts/acc_01J0000000000000000000000X/history");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: "not_found" });
  });

  it("imports a CRM export, with a dry run first", async () => {
    const csv =
      "external_id,name,type,country\nIMP-1,Imported One,customer,DE\nIMP-2,Imported Two,prospect,IT\n";
    const preview = await gw.admin.post("/api/accounts/import", { csv, dryRun: true });
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toMatchObject({ dryRun: true, created: 2 });
    expect((await gw.admin.get("/api/accounts?query=IMP-1")).json().items).toHaveLength(0);
    expect((await gw.admin.post("/api/accounts/import", { csv })).json()).toMatchObject({
      dryRun: false,
      created: 2,
    });
    expect((await gw.admin.get("/api/accounts?query=Imported")).json().items).toHaveLength(2);
  });
});

describe("accounts (errors)", () => {
  it("names every invalid field of the body", async () => {
    const response = await gw.admin.post("/api/accounts", {
      type: "partner",
      name: " ",
      country: "France",
      contacts: [{ name: "A", email: "not-an-email" }],
    });
    expect(response.statusCode).toBe(400);
    const body = response.json<ErrorResponse>();
    expect(body.code).toBe("validation_failed");
    expect(issuePaths(body)).toEqual(["contacts.0.email", "country", "name", "type"]);
    expect(body.message).toMatch(/^Invalid body: /);
  });

  it("names a bad query parameter and a malformed id in the path", async () => {
    const query = (await gw.admin.get("/api/accounts?limit=0&type=partner")).json<ErrorResponse>();
    expect(query.code).toBe("validation_failed");
    expect(issuePaths(query)).toEqual(["limit", "type"]);
    const path = await gw.admin.get("/api/accounts/42");
    expect(path.statusCode).toBe(400);
    expect(issuePaths(path.json<ErrorResponse>())).toEqual(["id"]);
  });

  it("answers 404 with the error shape for an unknown account", async () => {
    const response = await gw.admin.get(`/api/accounts/${unknownId}`);
    expect(response.statusCode).toBe(404);
    expect(response.json<ErrorResponse>()).toEqual({
      code: "not_found",
      message: `Account ${unknownId} does not exist`,
      requestId: response.headers["x-request-id"],
    });
    expect((await gw.admin.patch(`/api/accounts/${unknownId}`, { name: "x" })).statusCode).toBe(404);
  });

  it("passes the catalog's rules through with their codes: conflict, duplicate, archived, invalid state", async () => {
    const account = (
      await gw.admin.post("/api/accounts", { type: "customer", name: "Rules Inc", externalId: "DUP-9" })
    ).json<Account>();
    await gw.admin.patch(`/api/accounts/${account.id}`, { notes: "one", expectedVersion: 1 });
    const stale = await gw.admin.patch(`/api/accounts/${account.id}`, { notes: "two", expectedVersion: 1 });
    expect([stale.statusCode, stale.json<ErrorResponse>().code]).toEqual([409, "conflict"]);
    const duplicate = await gw.admin.post("/api/accounts", {
      type: "customer",
      name: "Copy",
      externalId: "DUP-9",
    });
    expect([duplicate.statusCode, duplicate.json<ErrorResponse>().code]).toEqual([409, "already_exists"]);
    const promote = await gw.admin.post(`/api/accounts/${account.id}/promote`);
    expect([promote.statusCode, promote.json<ErrorResponse>().code]).toEqual([409, "invalid_state"]);
    await gw.admin.post(`/api/accounts/${account.id}/archive`);
    const edit = await gw.admin.patch(`/api/accounts/${account.id}`, { name: "Renamed" });
    expect([edit.statusCode, edit.json<ErrorResponse>().code]).toEqual([409, "account_archived"]);
  });

  it("lets a viewer read and refuses them any change", async () => {
    const viewer = await gw.userWith(["viewer"]);
    expect((await viewer.get("/api/accounts")).statusCode).toBe(200);
    const refused = await viewer.post("/api/accounts", { type: "customer", name: "Nope" });
    expect([refused.statusCode, refused.json<ErrorResponse>().code]).toEqual([403, "forbidden"]);
  });
});
