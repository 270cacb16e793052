// Settings → Audit over HTTP: the gateway's own entries (users, sign-ins, modules) and the catalog's
// and issuer's, merged newest first; filters, pages, CSV; bad input; who may read it.
import type { AuditLogEntry } from "@licensing/contracts";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminCredentials,
  type Browser,
  type ErrorResponse,
  type GatewayUnderTest,
  startGateway,
} from "./gateway-harness.ts";

interface Page {
  items: AuditLogEntry[];
  nextCursor: string | null;
  unavailable: string[];
}

let gw: GatewayUnderTest;
let auditor: Browser;
let accountId: string;
beforeAll(async () => {
  gw = await startGateway({ issuer: true, activateCrm: true });
  auditor = await gw.userWith(["auditor"], "aud");
  // A failed sign-in, a change of roles, an account from the CRM pages.
  const stranger = await gw.userWith(["viewer"], "stranger");
  expect((await stranger.signIn("stranger", "not-the-password")).statusCode).toBe(401);
  expect((await stranger.signIn("nobody-by-that-name", "whatever-password")).statusCode).toBe(401);
  const users = (await gw.admin.get("/api/users")).json<{ items: { id: string; username: string }[] }>()
    .items;
  const strangerId = users.find((u) => u.username === "stranger")!.id;
  expect((await gw.admin.patch(`/api/users/${strangerId}`, { roles: ["viewer", "sales"] })).statusCode).toBe(
    200,
  );
  const account = await gw.admin.post("/api/accounts", { type: "prospect", name: "Audited Prospect" });
  expect(account.statusCode).toBe(201);
  accountId = account.json<{ id: string }>().id;
});
afterAll(() => gw?.stop());

async function read(who: Browser, query: string): Promise<Page> {
  const response = await who.get(`/api/audit${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Page>();
}

describe("the audit log over HTTP", () => {
  it("merges the gateway's and the services' entries, newest first, naming services that did not answer", async () => {
    const page = await read(auditor, "?limit=500");
    const actions = page.items.map((e) => `${e.service} ${e.action}`);
    for (const expected of [
      "gateway user.created",
      "gateway user.signed-in",
      "gateway user.sign-in-failed",
      "gateway user.updated",
      "gateway user.password-changed",
      "gateway module.activated",
      "catalog account.created",
    ])
      expect(actions).toContain(expected);
    const keys = page.items.map((e) => `${e.at}|${e.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    // No notifier, migration or distribution runs beside this gateway.
    expect(page.unavailable).toEqual(["distribution", "migration", "notifier"]);

    const failures = (await read(auditor, "?action=user.sign-in-failed")).items;
    expect(failures.map((e) => [e.actorId, e.actorName, e.reason])).toEqual([
      ["anonymous", "nobody-by-that-name", "unknown user"],
      ["anonymous", "stranger", "wrong password"],
    ]);
    expect(JSON.stringify(failures)).not.toContain("not-the-password");
    const change = (await read(auditor, "?action=user.updated")).items[0]!;
    expect(change).toMatchObject({
      actorName: adminCredentials.username,
      changes: { roles: [["viewer"], ["viewer", "sales"]] },
    });
    expect(change.requestId).toMatch(/^req_/);
  });

  it("filters by actor, entity, action pattern, service and time", async () => {
    const account = (await read(auditor, `?entityType=account&entityId=${accountId}`)).items;
    expect(account.map((e) => [e.service, e.action, e.actorName])).toEqual([
      ["catalog", "account.created", adminCredentials.username],
    ]);
    expect((await read(auditor, "?actor=aud")).items.every((e) => e.actorName === "aud")).toBe(true);
    expect((await read(auditor, "?action=module.*")).items.map((e) => e.action)).toEqual([
      "module.activated",
    ]);
    expect(
      (await read(auditor, "?service=catalog&limit=500")).items.every((e) => e.service === "catalog"),
    ).toBe(true);
    expect((await read(auditor, "?from=2999-01-01T00:00:00Z")).items).toEqual([]);
    expect((await read(auditor, "?to=2000-01-01T00:00:00Z")).items).toEqual([]);
  });

  it("pages through the merged log with its cursor, every entry once", async () => {
    const all = (await read(auditor, "?limit=500")).items.map((e) => e.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await read(auditor, `?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    // Entries written while paging (this test's own reads write none) would only come first.
    expect(seen).toEqual(all);
  });

  it("exports the selection as CSV", async () => {
    const response = await auditor.get("/api/audit.csv?action=user.*");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/csv/);
    expect(response.headers["content-disposition"]).toMatch(/attachment; filename="audit-\d{8}-\d{6}\.csv"/);
    expect(response.headers["audit-unavailable"]).toBe("distribution,migration,notifier");
    const rows = parse(response.body.replace(/^\uFEFF/, "")) as string[][];
    expect(rows[0]).toEqual([
      "Time",
      "Service",
      "Actor id",
      "Actor",
      "Action",
      "Entity type",
      "Entity id",
      "Request id",
      "Reason",
      "Changes",
      "Chain",
    ]);
    const listed = (await read(auditor, "?action=user.*&limit=500")).items;
    expect(rows.slice(1).map((r) => r[4])).toEqual(listed.map((e) => e.action));
    expect(rows.slice(1).every((r) => r[1] === "gateway")).toBe(true);
  });

  it("refuses bad filters with a typed error naming the field", async () => {
    for (const [query, field] of [
      ["?action=DROP%20TABLE", "action"],
      ["?from=yesterday", "from"],
      ["?to=2026-13-45T00:00:00Z", "to"],
      [`?entityType=${"x".repeat(101)}`, "entityType"],
      [`?actor=${"x".repeat(201)}`, "actor"],
      ["?service=billing", "service"],
      ["?limit=0", "limit"],
      ["?cursor=bm9wZQ", "cursor"],
      ["?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to"],
      ["?colour=blue", ""],
    ] as const) {
      const response = await auditor.get(`/api/audit${query}`);
      expect(response.statusCode, query).toBe(400);
      const body = response.json<ErrorResponse>();
      expect(body.code).toBe("validation_failed");
      expect(body.requestId).toBeTruthy();
      if (field) expect(JSON.stringify(body.details?.issues ?? body.message), query).toContain(field);
    }
    expect((await auditor.get("/api/audit.csv?from=nope")).statusCode).toBe(400);
  });

  it("is read by the auditor and the superadmin only; the auditor reads nothing else", async () => {
    expect((await gw.admin.get("/api/audit")).statusCode).toBe(200);
    const viewer = await gw.userWith(["viewer"]);
    expect((await viewer.get("/api/audit")).statusCode).toBe(403);
    expect((await viewer.get("/api/audit.csv")).statusCode).toBe(403);
    expect((await auditor.get("/api/accounts")).statusCode).toBe(403);
    expect((await auditor.get("/api/users")).statusCode).toBe(403);
    const session = (await auditor.get("/api/auth/session")).json<{ permissions: string[] }>();
    expect(session.permissions).toEqual(["audit.read"]);
  });
});
