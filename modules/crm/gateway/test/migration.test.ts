import { Browser, type ErrorResponse, type GatewayUnderTest, startGateway } from "@licensing/gateway/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headerSafeFilename } from "../src/migration.ts";

// The migration routes (Settings → Migration) through the gateway. Who may call them needs no
// migration service: the gateway refuses before any bus call.
let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway({ activateCrm: true });
});
afterAll(() => gw?.stop());

const runId = "run_01JD6X8Q0V4N3ZP8E4E3W1T9QK";
const routes: [method: "GET" | "POST", url: string, body?: unknown][] = [
  ["GET", "/api/migration/runs"],
  ["GET", "/api/migration/runs?source=studio&limit=10"],
  ["POST", "/api/migration/runs", { source: "studio", location: "/srv/exports/studio", dryRun: true }],
  ["GET", `/api/migration/runs/${runId}`],
  ["GET", `/api/migration/runs/${runId}/issues?reason=invalid_date`],
  ["GET", `/api/migration/runs/${runId}/report.csv`],
  ["POST", `/api/migration/runs/${runId}/rollback`, {}],
  ["GET", "/api/migration/mappings/vbuc-cli"],
  ["GET", "/api/migration/account-questions?state=all"],
  ["POST", "/api/migration/account-questions/owners-1/decision", { choice: "separate", accountId: null }],
];

const call = (browser: Browser, [method, url, body]: (typeof routes)[number]) =>
  browser.request(method, url, body);

describe("who may migrate", () => {
  it("answers 401 to anonymous on every migration route", async () => {
    const anonymous = new Browser(gw.app);
    for (const route of routes) {
      const response = await call(anonymous, route);
      expect([response.statusCode, response.json<ErrorResponse>().code], route[1]).toEqual([
        401,
        "unauthorized",
      ]);
    }
  });

  it("answers 403 to every role but superadmin, on every migration route", async () => {
    for (const role of ["sales", "license-admin", "support", "viewer"] as const) {
      const browser = await gw.userWith([role]);
      for (const route of routes) {
        const response = await call(browser, route);
        expect([response.statusCode, response.json<ErrorResponse>().code], `${role} ${route[1]}`).toEqual([
          403,
          "forbidden",
        ]);
      }
    }
  });

  it("lets a superadmin through to the migration service (here: none running)", async () => {
    for (const route of routes) {
      const response = await call(gw.admin, route);
      expect([response.statusCode, response.json<ErrorResponse>().code], route[1]).toEqual([
        503,
        "service_unavailable",
      ]);
    }
  });
});

describe("what the gateway checks itself", () => {
  it("names a bad field of a run before asking the service", async () => {
    const response = await gw.admin.post("/api/migration/runs", {
      source: "dbase",
      location: "",
      dryrun: false,
    });
    expect(response.statusCode).toBe(400);
    expect(
      response
        .json<ErrorResponse>()
        .details?.issues?.map((i) => i.path)
        .sort(),
    ).toEqual(["dryrun", "location", "source"]);
  });

  it("refuses a malformed run id, source, question state or decision", async () => {
    for (const [method, url, body] of [
      ["GET", "/api/migration/runs/lic_01JD6X8Q0V4N3ZP8E4E3W1T9QK"],
      ["GET", "/api/migration/mappings/sap"],
      ["GET", "/api/migration/account-questions?state=closed"],
      ["POST", "/api/migration/account-questions/owners-1/decision", { choice: "merge", accountId: "nope" }],
    ] as const) {
      const response = await gw.admin.request(method, url, body);
      expect([response.statusCode, response.json<ErrorResponse>().code], url).toEqual([
        400,
        "validation_failed",
      ]);
    }
  });
});

describe("the report's file name", () => {
  it("keeps a name a header can quote", () => {
    expect(headerSafeFilename('migration-"studio"\r\n.csv')).toBe("migration-studio.csv");
    expect(headerSafeFilename("  ")).toBe("migration-report.csv");
    expect(headerSafeFilename("run_01-studio-dry-run.csv")).toBe("run_01-studio-dry-run.csv");
  });
});
