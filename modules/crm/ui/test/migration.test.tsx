// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import {
  type AccountQuestion,
  emptyMigrationCounts,
  type MigrationIssue,
  type MigrationRun,
} from "@licensing/contracts";
import { fakeApi, type Recorded, renderPage, sessionFor } from "@licensing/ui/test-support";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MigrationPage } from "../src/migration/MigrationPage.tsx";
import { RunPage } from "../src/migration/RunPage.tsx";

afterEach(() => vi.unstubAllGlobals());

const admin = sessionFor(["superadmin"]);
const runId = "run_01JD6X8Q0V4N3ZP8E4E3W1T9QK";
const zero = emptyMigrationCounts();
const run: MigrationRun = {
  id: runId,
  source: "studio",
  location: "/srv/exports/studio",
  mapping: "default",
  mode: "dry-run",
  state: "done",
  phase: "finished",
  total: 1000,
  processed: 1000,
  rowsPerSecond: null,
  etaSeconds: null,
  counts: {
    ...zero,
    rows: 1000,
    valid: 880,
    invalid: 120,
    new: 860,
    unchanged: 20,
    awaitingAccount: 4,
    accountsCreated: 31,
    accountsMatched: 2,
    accountsAmbiguous: 1,
  },
  unknownProducts: [{ code: "SNOW-LEGACY", rows: 17 }],
  resumedAtRow: null,
  startedBy: "alice",
  startedAt: "2026-12-03T14:00:00.000Z",
  finishedAt: "2026-12-03T14:01:00.000Z",
  error: null,
};
const running: MigrationRun = {
  ...run,
  state: "running",
  phase: "importing",
  total: 10_000,
  processed: 1_200,
  rowsPerSecond: 850,
  etaSeconds: 11,
  counts: { ...zero, rows: 1_200 },
  unknownProducts: [],
  finishedAt: null,
};
const issue: MigrationIssue = {
  table: "Licenses",
  row: 12,
  column: "EndDate",
  legacyId: "12",
  reason: "invalid_date",
  message: "31/02/2020 is no real date",
};
const question: AccountQuestion = {
  key: "owners-acme",
  reason: "Two owners resemble one catalog account",
  owners: [
    { name: "Acme Corporation", sources: ["studio"], emailDomains: ["acme.test"], licenses: 12 },
    { name: "ACME Corp.", sources: ["vbuc-cli", "vbuc-sales"], emailDomains: ["acme.test"], licenses: 3 },
  ],
  candidates: [{ accountId: "acc_01JD6X8Q0V4N3ZP8E4E3W1T9QK", name: "Acme" }],
  decision: null,
};

const empty = { items: [], nextCursor: null };

/** The migration API as the page reads it; `overrides` answer first. */
function migrationApi(
  overrides: (request: Recorded) => { status: number; body?: unknown } | undefined = () => undefined,
) {
  return fakeApi((request) => {
    const own = overrides(request);
    if (own) return own;
    if (request.path === "/api/migration/runs" && request.method === "GET")
      return { status: 200, body: empty };
    if (request.path === "/api/migration/account-questions") return { status: 200, body: { items: [] } };
    if (request.path.endsWith("/issues")) return { status: 200, body: empty };
    return { status: 404, body: { code: "not_found", message: "no such thing", requestId: "req_x" } };
  });
}

/** The form, apart from the runs table's own source filter. */
const form = () => within(screen.getByRole("region", { name: "Start a run" }));

async function chooseSource(user: ReturnType<typeof userEvent.setup>, name: string) {
  await user.click(form().getByRole("textbox", { name: /^Source/ }));
  await user.click(await screen.findByRole("option", { name }));
}

describe("starting a run", () => {
  it("names what is missing, then starts a dry run and opens it", async () => {
    const api = migrationApi((request) =>
      request.method === "POST" ? { status: 201, body: { ...running, counts: zero } } : undefined,
    );
    const { router } = renderPage(<MigrationPage />, { session: admin, path: "/settings/migration" });
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Dry run" }));
    expect(await screen.findByText("Choose a source")).toBeTruthy();
    expect(screen.getByRole("textbox", { name: /^Location/ }).getAttribute("aria-invalid")).toBe("true");
    expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(0);

    await chooseSource(user, "Snow Studio");
    await user.type(screen.getByRole("textbox", { name: /^Location/ }), "/srv/exports/studio");
    await user.click(screen.getByRole("button", { name: "Dry run" }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/settings/migration/runs/${runId}`));
    const post = api.requests.find((r) => r.method === "POST");
    expect(post).toMatchObject({ path: "/api/migration/runs" });
    expect(post?.body).toEqual({ source: "studio", location: "/srv/exports/studio", dryRun: true });
    expect(post?.headers["X-CSRF-Token"]).toBe("csrf-test-token");
  });

  it("starts from the source's default mapping on demand and sends the edited mapping", async () => {
    const yaml = "version: 1\nsource: vbuc-cli\n";
    const api = migrationApi((request) =>
      request.path === "/api/migration/mappings/vbuc-cli"
        ? { status: 200, body: { source: "vbuc-cli", yaml } }
        : request.method === "POST"
          ? { status: 201, body: { ...running, source: "vbuc-cli" } }
          : undefined,
    );
    renderPage(<MigrationPage />, { session: admin, path: "/settings/migration" });
    const user = userEvent.setup();
    await chooseSource(user, "VBUC CLI License Generator");
    await user.type(screen.getByRole("textbox", { name: /^Location/ }), "mysql://reader@legacy:3306/lic");
    await user.click(screen.getByRole("switch", { name: /Use a custom mapping/ }));
    await user.click(
      screen.getByRole("button", { name: "Start from the default mapping of VBUC CLI License Generator" }),
    );
    const mapping = screen.getByRole("textbox", { name: "Mapping (YAML)" }) as HTMLTextAreaElement;
    await waitFor(() => expect(mapping.value).toBe(yaml));
    await user.type(mapping, "# adjusted");
    await user.click(screen.getByRole("button", { name: "Dry run" }));
    await waitFor(() => expect(api.requests.some((r) => r.method === "POST")).toBe(true));
    expect(api.requests.find((r) => r.method === "POST")?.body).toEqual({
      source: "vbuc-cli",
      location: "mysql://reader@legacy:3306/lic",
      mapping: `${yaml}# adjusted`,
      dryRun: true,
    });
  });

  it("applies only after a confirmation naming the source and the licenses it creates", async () => {
    const api = migrationApi((request) =>
      request.method === "POST" ? { status: 201, body: { ...running, mode: "apply" } } : undefined,
    );
    const { router } = renderPage(<MigrationPage />, { session: admin, path: "/settings/migration" });
    const user = userEvent.setup();
    await chooseSource(user, "VBUC Sales Web Flow");
    await user.type(screen.getByRole("textbox", { name: /^Location/ }), "/srv/exports/sales");
    await user.click(screen.getByRole("button", { name: "Apply" }));
    const dialog = await screen.findByRole("dialog", { name: "Apply the migration of VBUC Sales Web Flow?" });
    expect(within(dialog).getByText(/Licenses will be created/)).toBeTruthy();
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(0);

    await user.click(screen.getByRole("button", { name: "Apply" }));
    await user.click(
      within(await screen.findByRole("dialog")).getByRole("button", { name: "Apply and create licenses" }),
    );
    await waitFor(() => expect(router.state.location.pathname).toBe(`/settings/migration/runs/${runId}`));
    expect(api.requests.find((r) => r.method === "POST")?.body).toEqual({
      source: "vbuc-sales",
      location: "/srv/exports/sales",
      dryRun: false,
    });
  });

  it("shows a refusal in place: the field's issue on the field, a mapping's problems in the alert", async () => {
    migrationApi((request) =>
      request.method === "POST"
        ? {
            status: 400,
            body: {
              code: "validation_failed",
              message: "The mapping does not fit",
              requestId: "req_refused",
              details: {
                issues: [
                  { path: "location", message: "no such directory on the migration server" },
                  { path: "fields.dateIssued.map", message: "no value map named nope under valueMaps" },
                ],
              },
            },
          }
        : undefined,
    );
    renderPage(<MigrationPage />, { session: admin, path: "/settings/migration" });
    const user = userEvent.setup();
    await chooseSource(user, "Snow Studio");
    await user.type(screen.getByRole("textbox", { name: /^Location/ }), "/nowhere");
    await user.click(screen.getByRole("button", { name: "Dry run" }));
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("The mapping does not fit")).toBeTruthy();
    expect(
      within(alert).getByText("fields.dateIssued.map: no value map named nope under valueMaps"),
    ).toBeTruthy();
    expect(within(alert).getByText("req_refused")).toBeTruthy();
    expect(screen.getByText("no such directory on the migration server")).toBeTruthy();
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole("textbox", { name: /^Location/ })),
    );
  });

  it("points at the mapping when the service finds problems in it", async () => {
    migrationApi((request) =>
      request.method === "POST"
        ? {
            status: 400,
            body: {
              code: "validation_failed",
              message: "mapping: 2 problems",
              requestId: "req_mapping",
              details: {
                issues: [
                  {
                    path: "fields.dateIssued.map (line 12)",
                    message: "no value map named nope under valueMaps",
                  },
                  { path: "joins.0.on (line 4)", message: "orders is not the main table or an earlier join" },
                ],
              },
            },
          }
        : undefined,
    );
    renderPage(<MigrationPage />, { session: admin, path: "/settings/migration" });
    const user = userEvent.setup();
    await chooseSource(user, "Snow Studio");
    await user.type(screen.getByRole("textbox", { name: /^Location/ }), "exports/studio");
    await user.click(screen.getByRole("switch", { name: /Use a custom mapping/ }));
    await user.type(screen.getByRole("textbox", { name: "Mapping (YAML)" }), "version: 1");
    await user.click(screen.getByRole("button", { name: "Dry run" }));
    const alert = await screen.findByRole("alert");
    expect(
      within(alert).getByText("fields.dateIssued.map (line 12): no value map named nope under valueMaps"),
    ).toBeTruthy();
    expect(screen.getByText("2 problems in the mapping, listed above")).toBeTruthy();
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole("textbox", { name: "Mapping (YAML)" })),
    );
  });
});

describe("the runs table", () => {
  it("lists the runs as served (newest first) with their counts, pages by cursor, and opens one", async () => {
    const older: MigrationRun = {
      ...run,
      id: "run_01JD6X8Q0V4N3ZP8E4E3W1T9QA",
      source: "vbuc-cli",
      mode: "apply",
    };
    const api = migrationApi((request) =>
      request.path === "/api/migration/runs" && request.method === "GET"
        ? {
            status: 200,
            body: request.query.get("cursor")
              ? { items: [older], nextCursor: null }
              : { items: [running, run], nextCursor: "c2" },
          }
        : undefined,
    );
    const { router } = renderPage(<MigrationPage />, { session: admin, path: "/settings/migration" });
    const table = within(await screen.findByRole("region", { name: "Runs" }));
    expect(
      await table.findByText("1,000 rows: 860 new · 20 unchanged · 120 invalid · 4 awaiting account"),
    ).toBeTruthy();
    expect(table.getByText("Running 12%")).toBeTruthy();
    expect(table.getAllByRole("cell", { name: "Snow Studio" })).toHaveLength(2);
    const user = userEvent.setup();
    await user.click(table.getByRole("button", { name: "Next" }));
    expect(await table.findByRole("cell", { name: "VBUC CLI License Generator" })).toBeTruthy();
    expect(api.requests.at(-1)?.query.get("cursor")).toBe("c2");
    expect(table.getByText("Apply")).toBeTruthy();
    const row = within(table.getByRole("cell", { name: "VBUC CLI License Generator" }).closest("tr")!);
    await user.click(row.getByRole("link"));
    expect(router.state.location.pathname).toBe(`/settings/migration/runs/${older.id}`);
  });
});

describe("a run's page", () => {
  it("shows the progress while it runs, polling each second, then announces and reports the outcome", async () => {
    let reads = 0;
    const api = migrationApi((request) =>
      request.path === `/api/migration/runs/${runId}`
        ? { status: 200, body: ++reads < 2 ? running : run }
        : undefined,
    );
    renderPage(<RunPage />, {
      session: admin,
      path: `/settings/migration/runs/${runId}`,
      pattern: "/settings/migration/runs/:runId",
    });
    expect(await screen.findByRole("heading", { name: "Importing…" })).toBeTruthy();
    const bar = screen.getByRole("progressbar", { name: "Importing…" });
    expect(bar.getAttribute("aria-valuenow")).toBe("12");
    expect(screen.getByText("1,200 of 10,000 rows · 850 rows/s · about 11 s left")).toBeTruthy();

    const outcome = await screen.findByRole("region", { name: "Dry run of Snow Studio finished" });
    expect(screen.getByRole("status").textContent).toBe(
      "Dry run of Snow Studio finished. 1,000 rows: 860 new · 20 unchanged · 120 invalid · 4 awaiting account.",
    );
    await waitFor(() => expect(document.activeElement).toBe(outcome));
    expect(screen.queryByRole("progressbar")).toBeNull();
    expect(api.requests.filter((r) => r.path === `/api/migration/runs/${runId}`).length).toBe(2);
    // The issues are read again once it has finished.
    expect(api.requests.filter((r) => r.path.endsWith("/issues")).length).toBeGreaterThanOrEqual(2);
  });

  it("keeps the run shown when a reading of its progress fails, and goes on reading", async () => {
    let reads = 0;
    migrationApi((request) => {
      if (request.path !== `/api/migration/runs/${runId}`) return undefined;
      reads += 1;
      if (reads === 2)
        return {
          status: 503,
          body: { code: "service_unavailable", message: "migration is not answering", requestId: "req_x" },
        };
      return { status: 200, body: reads < 4 ? running : run };
    });
    renderPage(<RunPage />, {
      session: admin,
      path: `/settings/migration/runs/${runId}`,
      pattern: "/settings/migration/runs/:runId",
    });
    expect(await screen.findByText("The run's progress could not be read")).toBeTruthy();
    expect(screen.getByRole("progressbar")).toBeTruthy();
    expect(
      await screen.findByRole("region", { name: "Dry run of Snow Studio finished" }, { timeout: 8_000 }),
    ).toBeTruthy();
    expect(screen.queryByText("The run's progress could not be read")).toBeNull();
  });

  it("reports the counts, the unknown products and the issues, filtered by reason, with the CSV", async () => {
    const api = migrationApi((request) =>
      request.path === `/api/migration/runs/${runId}`
        ? { status: 200, body: run }
        : request.path.endsWith("/issues")
          ? { status: 200, body: { items: [issue], nextCursor: null } }
          : undefined,
    );
    renderPage(<RunPage />, {
      session: admin,
      path: `/settings/migration/runs/${runId}`,
      pattern: "/settings/migration/runs/:runId",
    });
    const report = within(await screen.findByRole("region", { name: "Report" }));
    expect(report.getByText("new (would be created)").previousElementSibling?.textContent).toBe("860");
    expect(report.getByText("invalid").previousElementSibling?.textContent).toBe("120");
    expect(report.getByText("awaiting account").previousElementSibling?.textContent).toBe("4");
    expect(report.getByText("to create").previousElementSibling?.textContent).toBe("31");
    expect(report.getByText("ambiguous").previousElementSibling?.textContent).toBe("1");
    const unknown = within(report.getByRole("table", { name: "Unknown products" }));
    expect(unknown.getByText("SNOW-LEGACY").nextElementSibling?.textContent).toBe("17");
    expect(report.getByRole("link", { name: "answer the account questions" })).toBeTruthy();

    const issues = within(screen.getByRole("region", { name: "Issues" }));
    expect(await issues.findByText("31/02/2020 is no real date")).toBeTruthy();
    expect(issues.getByText("EndDate")).toBeTruthy();
    expect(issues.getAllByText("Invalid date").length).toBeGreaterThan(0);
    const user = userEvent.setup();
    await user.click(issues.getByRole("textbox", { name: "Reason" }));
    await user.click(await screen.findByRole("option", { name: "Unknown product" }));
    await waitFor(() => expect(api.requests.at(-1)?.query.get("reason")).toBe("unknown_product"));

    const download = screen.getByRole("link", { name: "Download report (CSV)" });
    expect(download.getAttribute("href")).toBe(`/api/migration/runs/${runId}/report.csv`);
    // A dry run has nothing to roll back.
    expect(screen.queryByRole("button", { name: "Roll back" })).toBeNull();
  });

  it("rolls back a finished apply after a confirmation, showing a refusal's message in it", async () => {
    const apply: MigrationRun = { ...run, mode: "apply" };
    let refuse = true;
    const api = migrationApi((request) => {
      if (request.path === `/api/migration/runs/${runId}/rollback`)
        return refuse
          ? {
              status: 409,
              body: {
                code: "conflict",
                message: "License lic_01JD6X8Q0V4N3ZP8E4E3W1T9QK changed since the run (renewed)",
                requestId: "req_rollback",
              },
            }
          : { status: 200, body: { ...apply, state: "rolled_back" } };
      if (request.path === `/api/migration/runs/${runId}`) return { status: 200, body: apply };
      return undefined;
    });
    renderPage(<RunPage />, {
      session: admin,
      path: `/settings/migration/runs/${runId}`,
      pattern: "/settings/migration/runs/:runId",
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Roll back" }));
    const dialog = within(await screen.findByRole("dialog", { name: "Roll back the apply of snow studio?" }));
    await user.click(dialog.getByRole("button", { name: "Roll back" }));
    const refusal = await dialog.findByRole("alert");
    expect(refusal.textContent).toContain(
      "License lic_01JD6X8Q0V4N3ZP8E4E3W1T9QK changed since the run (renewed)",
    );
    expect(refusal.textContent).toContain("req_rollback");

    refuse = false;
    await user.click(dialog.getByRole("button", { name: "Roll back" }));
    const outcome = await screen.findByRole("region", { name: "Apply of Snow Studio was rolled back" });
    await waitFor(() => expect(document.activeElement).toBe(outcome));
    expect(screen.getByRole("status").textContent).toBe("Apply of Snow Studio was rolled back.");
    expect(api.requests.filter((r) => r.path.endsWith("/rollback"))).toHaveLength(2);
    expect(screen.queryByRole("button", { name: "Roll back" })).toBeNull();
  });

  it("says there is no such run", async () => {
    migrationApi();
    renderPage(<RunPage />, {
      session: admin,
      path: `/settings/migration/runs/${runId}`,
      pattern: "/settings/migration/runs/:runId",
    });
    expect(await screen.findByText("No migration run with this id")).toBeTruthy();
  });
});

describe("account questions", () => {
  it("shows the open questions with owners and candidates, and sends the operator's decision", async () => {
    let decided = false;
    const api = migrationApi((request) => {
      if (request.path === "/api/migration/account-questions")
        return { status: 200, body: { items: decided ? [] : [question] } };
      if (request.path.endsWith("/decision")) {
        decided = true;
        return {
          status: 200,
          body: {
            ...question,
            decision: {
              choice: "merge",
              accountId: question.candidates[0]!.accountId,
              decidedBy: "alice",
              decidedAt: "2026-12-03T14:05:00.000Z",
            },
          },
        };
      }
      return undefined;
    });
    renderPage(<MigrationPage />, { session: admin, path: "/settings/migration" });
    const card = within(await screen.findByRole("article", { name: "Acme Corporation and ACME Corp." }));
    expect(card.getByText("Two owners resemble one catalog account")).toBeTruthy();
    expect(card.getByText("VBUC CLI License Generator, VBUC Sales Web Flow")).toBeTruthy();
    expect(card.getByText("12")).toBeTruthy();
    expect(card.getByRole("link", { name: "Acme" }).getAttribute("href")).toBe(
      `/crm/accounts/${question.candidates[0]!.accountId}`,
    );
    expect(card.getByRole("button", { name: "Merge as one new account" })).toBeTruthy();
    expect(card.getByRole("button", { name: "Keep separate" })).toBeTruthy();
    const user = userEvent.setup();
    await user.click(card.getByRole("button", { name: "Merge into Acme" }));
    await waitFor(() => expect(screen.queryByRole("article")).toBeNull());
    const decision = api.requests.find((r) => r.path.endsWith("/decision"));
    expect(decision?.path).toBe("/api/migration/account-questions/owners-acme/decision");
    expect(decision?.body).toEqual({ choice: "merge", accountId: question.candidates[0]!.accountId });
    expect(screen.getByText("No open questions.")).toBeTruthy();
    expect(
      screen
        .getAllByRole("status")
        .some((s) =>
          s.textContent?.includes(
            "Acme Corporation and ACME Corp.: merged into Acme. It applies to the next runs.",
          ),
        ),
    ).toBe(true);
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Account questions" })),
    );
  });

  it("shows the decided ones on demand", async () => {
    const api = migrationApi((request) =>
      request.path === "/api/migration/account-questions"
        ? {
            status: 200,
            body: {
              items: [
                {
                  ...question,
                  decision: {
                    choice: "separate",
                    accountId: null,
                    decidedBy: "bob",
                    decidedAt: run.startedAt,
                  },
                },
              ],
            },
          }
        : undefined,
    );
    renderPage(<MigrationPage />, { session: admin, path: "/settings/migration" });
    const user = userEvent.setup();
    await screen.findByRole("article");
    expect(api.requests.find((r) => r.path === "/api/migration/account-questions")?.query.get("state")).toBe(
      "open",
    );
    await user.click(screen.getByRole("radio", { name: "Decided" }));
    await waitFor(() => expect(api.requests.at(-1)?.query.get("state")).toBe("decided"));
    expect(await screen.findByText(/^Kept separate by bob/)).toBeTruthy();
  });
});
