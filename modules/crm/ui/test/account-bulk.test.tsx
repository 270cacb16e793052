// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import type { Account } from "@licensing/contracts";
import { renderPage, sessionFor } from "@licensing/ui/test-support";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { AccountsPage } from "../src/accounts/AccountsPage.tsx";
import { accountResultsCsv, accountsCsv } from "../src/accounts/bulk.ts";
import { type BulkHandler, bulkAnswer, pagedTableApi, selectBoth, tableApi } from "./bulk-table.ts";
import { prospect } from "./fixtures.ts";

afterEach(() => vi.unstubAllGlobals());

const archived: Account = {
  ...prospect,
  id: "acc_01JD6X8Q0V4N3ZP8E4E3W1T9QM",
  name: "Globex",
  archived: true,
  country: null,
  contacts: [],
};

const accountApi = (bulk: BulkHandler) => tableApi("/api/accounts", [prospect, archived], bulk);
const selectBothAccounts = () => selectBoth("account", ["Initech", "Globex"]);

describe("bulk actions in the accounts table", () => {
  it("promotes the selected accounts after a confirmation naming the count, then shows each result", async () => {
    const api = accountApi((request) =>
      bulkAnswer(request, [
        { id: prospect.id, outcome: "done", type: "customer", version: 2 },
        {
          id: archived.id,
          outcome: "refused",
          code: "account_archived",
          message: `Account ${archived.id} is archived; restore it before promoting`,
        },
      ]),
    );
    renderPage(<AccountsPage />, { session: sessionFor(["sales"]), path: "/crm/accounts" });
    const user = await selectBothAccounts();
    await user.click(screen.getByRole("button", { name: "Promote to customer…" }));
    const dialog = await screen.findByRole("dialog", { name: "Promote 2 accounts to customers?" });
    expect(api.requests.some((r) => r.path === "/api/accounts/bulk")).toBe(false);
    await user.click(within(dialog).getByRole("button", { name: "Promote 2 accounts to customers" }));
    expect(await screen.findByText("1 promoted, 1 refused, 0 failed.")).toBeTruthy();
    const results = screen.getByRole("table", { name: "Result per account" });
    const refused = within(results).getByText("Globex").closest("tr")!;
    expect(within(refused).getByText("Refused")).toBeTruthy();
    expect(
      within(refused).getByText("The account is archived: restore it before promoting it."),
    ).toBeTruthy();
    // The run over, the focus is on the way out.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Close" })));
    const post = api.requests.find((r) => r.path === "/api/accounts/bulk")!;
    expect(post.body).toMatchObject({ action: "promote", ids: [prospect.id, archived.id] });
    expect((post.body as { bulkId: string }).bulkId).toMatch(/^[A-Za-z0-9_-]{8,100}$/);
    await user.click(screen.getByRole("button", { name: "Close" }));
    await waitFor(() => expect(screen.queryByRole("region", { name: "Selected accounts" })).toBeNull());
  });

  it("offers a viewer the export but not the promotion", async () => {
    accountApi((request) => bulkAnswer(request, []));
    renderPage(<AccountsPage />, { session: sessionFor(["viewer"]), path: "/crm/accounts" });
    await selectBothAccounts();
    expect(screen.queryByRole("button", { name: "Promote to customer…" })).toBeNull();
    expect(screen.getByRole("button", { name: "Export selected" })).toBeTruthy();
  });

  it("exports the selected accounts as CSV in the browser", async () => {
    accountApi((request) => bulkAnswer(request, []));
    const blobs: Blob[] = [];
    // jsdom has no object URLs: the download's blob is caught where the page hands it over.
    const { createObjectURL, revokeObjectURL } = URL;
    URL.createObjectURL = (blob: Blob) => {
      blobs.push(blob);
      return "blob:accounts";
    };
    URL.revokeObjectURL = () => {};
    onTestFinished(() => {
      URL.createObjectURL = createObjectURL;
      URL.revokeObjectURL = revokeObjectURL;
    });
    renderPage(<AccountsPage />, { session: sessionFor(["viewer"]), path: "/crm/accounts" });
    const user = await selectBothAccounts();
    await user.click(screen.getByRole("button", { name: "Export selected" }));
    expect(blobs).toHaveLength(1);
    const lines = (await blobs[0]!.text())
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      "Account id,Name,Type,Archived,Country code,Country,Sales owner,Main contact,External id,Updated",
    );
    expect(lines[1]).toContain(`${prospect.id},Initech,prospect,false,FR,`);
    expect(lines[2]).toContain(`${archived.id},Globex,prospect,true,,`);
  });

  it("marks a part the gateway could not take as failed, and retries it under the same bulk id", async () => {
    let calls = 0;
    const api = accountApi((request) =>
      ++calls === 1
        ? {
            status: 503,
            body: {
              code: "service_unavailable",
              message: "The catalog is not answering",
              requestId: "req_1",
            },
          }
        : bulkAnswer(request, [
            { id: prospect.id, outcome: "done", type: "customer" },
            { id: archived.id, outcome: "done", type: "customer", message: "Already a customer" },
          ]),
    );
    renderPage(<AccountsPage />, { session: sessionFor(["license-admin"]), path: "/crm/accounts" });
    const user = await selectBothAccounts();
    await user.click(screen.getByRole("button", { name: "Promote to customer…" }));
    const dialog = await screen.findByRole("dialog", { name: "Promote 2 accounts to customers?" });
    await user.click(within(dialog).getByRole("button", { name: "Promote 2 accounts to customers" }));
    expect(await screen.findByText("0 promoted, 0 refused, 2 failed.")).toBeTruthy();
    expect(screen.getAllByText(/Not done: The catalog is not answering/)).toHaveLength(2);
    await user.click(screen.getByRole("button", { name: "Retry 2 accounts that failed" }));
    expect(await screen.findByText("2 promoted, 0 refused, 0 failed.")).toBeTruthy();
    expect(screen.getByText("Already a customer")).toBeTruthy();
    const posts = api.requests.filter((r) => r.path === "/api/accounts/bulk");
    expect(posts).toHaveLength(2);
    expect((posts[1]!.body as { bulkId: string }).bulkId).toBe((posts[0]!.body as { bulkId: string }).bulkId);
  });

  it("selects every account matching the filters across pages", async () => {
    const api = pagedTableApi("/api/accounts", [prospect, archived]);
    renderPage(<AccountsPage />, {
      session: sessionFor(["sales"]),
      path: "/crm/accounts?type=prospect",
      pattern: "/crm/accounts",
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("checkbox", { name: "Select account Initech" }));
    await user.click(screen.getByRole("button", { name: "Select all matching the filters" }));
    expect(await screen.findByText("2 accounts selected")).toBeTruthy();
    const all = api.requests.filter((r) => r.path === "/api/accounts" && r.query.get("limit") === "500");
    expect(all.map((r) => [r.query.get("type"), r.query.get("cursor")])).toEqual([
      ["prospect", null],
      ["prospect", "c2"],
    ]);
  });

  it("writes spreadsheet-safe CSV: formulas defused, quotes doubled", () => {
    const csv = accountsCsv([{ ...prospect, name: '=HYPERLINK("x")', salesOwner: "+bob", country: null }]);
    expect(csv.split("\r\n")[1]).toBe(
      `${prospect.id},"'=HYPERLINK(""x"")",prospect,false,,,'+bob,ann@initech.test,CRM-1,2026-01-05T10:00:00.000Z`,
    );
    expect(
      accountResultsCsv([
        { row: prospect, result: { id: prospect.id, outcome: "refused", code: "account_archived" } },
        { row: archived },
      ]),
    ).toBe(
      "\uFEFFAccount id,Name,Type before,Outcome,Reason\r\n" +
        `${prospect.id},Initech,prospect,refused,The account is archived: restore it before promoting it.\r\n` +
        `${archived.id},Globex,prospect,not run,\r\n`,
    );
  });
});
