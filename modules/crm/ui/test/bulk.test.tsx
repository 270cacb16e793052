// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import type { LicenseSummary } from "@licensing/contracts";
import { renderPage, sessionFor } from "@licensing/ui/test-support";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resultsCsv } from "../src/licenses/bulk-run.ts";
import { LicensesPage } from "../src/licenses/LicensesPage.tsx";
import { type BulkHandler, bulkAnswer, pagedTableApi, selectBoth, tableApi } from "./bulk-table.ts";
import { license } from "./fixtures.ts";

afterEach(() => vi.unstubAllGlobals());
beforeEach(() => localStorage.clear());

const second: LicenseSummary = {
  ...license,
  id: "lic_01JD6X8Q0V4N3ZP8E4E3W1T9QM",
  keyHint: "9ZZZZ",
  accountName: "Globex",
};

const licenseApi = (bulk: BulkHandler) => tableApi("/api/licenses", [license, second], bulk);
const selectBothLicenses = () => selectBoth("license", ["…-7K3QD", "…-9ZZZZ"]);

describe("bulk actions in the licenses table", () => {
  it("renews the selected licenses after a confirmation naming the count, then shows each result", async () => {
    const api = licenseApi((request) =>
      bulkAnswer(request, [
        { id: license.id, outcome: "done", status: "active", serial: 2 },
        {
          id: second.id,
          outcome: "refused",
          code: "invalid_state",
          message: `License ${second.id} is revoked; it cannot be renewed`,
        },
      ]),
    );
    renderPage(<LicensesPage />, { session: sessionFor(["sales"]), path: "/crm/licenses" });
    const user = await selectBothLicenses();
    // Sales may renew (and change the notice days), not suspend.
    expect(screen.queryByRole("button", { name: "Suspend…" })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Renew…" }));
    const dialog = await screen.findByRole("dialog", { name: "Renew 2 licenses?" });
    await user.clear(within(dialog).getByRole("textbox", { name: "Extend by (days)" }));
    await user.type(within(dialog).getByRole("textbox", { name: "Extend by (days)" }), "30");
    await user.click(within(dialog).getByRole("button", { name: "Renew 2 licenses" }));
    expect(await screen.findByText("1 renewed, 1 refused, 0 failed.")).toBeTruthy();
    expect(screen.getByText(`License ${second.id} is revoked; it cannot be renewed`)).toBeTruthy();
    const post = api.requests.find((r) => r.path === "/api/licenses/bulk")!;
    expect(post.body).toMatchObject({
      action: "renew",
      ids: [license.id, second.id],
      params: { extendDays: 30 },
    });
    expect((post.body as { bulkId: string }).bulkId).toMatch(/^[A-Za-z0-9_-]{8,100}$/);
  });

  it("asks for a reason before suspending, and keeps a viewer to exporting", async () => {
    licenseApi((request) => bulkAnswer(request, []));
    const view = renderPage(<LicensesPage />, {
      session: sessionFor(["license-admin"]),
      path: "/crm/licenses",
    });
    const user = await selectBothLicenses();
    await user.click(screen.getByRole("button", { name: "Suspend…" }));
    const dialog = await screen.findByRole("dialog", { name: "Suspend 2 licenses?" });
    await user.click(within(dialog).getByRole("button", { name: "Suspend 2 licenses" }));
    expect(await within(dialog).findByText("Say why (at least 3 characters)")).toBeTruthy();
    view.unmount();

    licenseApi((request) => bulkAnswer(request, []));
    renderPage(<LicensesPage />, { session: sessionFor(["viewer"]), path: "/crm/licenses" });
    await selectBothLicenses();
    expect(screen.queryByRole("button", { name: "Renew…" })).toBeNull();
    expect(screen.getByRole("button", { name: "Export selected" })).toBeTruthy();
  });

  it("marks a part the gateway could not take as failed, and retries it under the same bulk id", async () => {
    let calls = 0;
    const api = licenseApi((request) =>
      ++calls === 1
        ? {
            status: 503,
            body: { code: "service_unavailable", message: "The issuer is not answering", requestId: "req_1" },
          }
        : bulkAnswer(request, [
            { id: license.id, outcome: "done", notifyDays: 10 },
            { id: second.id, outcome: "done", notifyDays: 10 },
          ]),
    );
    renderPage(<LicensesPage />, { session: sessionFor(["sales"]), path: "/crm/licenses" });
    const user = await selectBothLicenses();
    await user.click(screen.getByRole("button", { name: "Change notice days…" }));
    const dialog = await screen.findByRole("dialog", { name: "Change the notice days of 2 licenses?" });
    await user.type(within(dialog).getByRole("textbox", { name: /Notice days/ }), "10");
    await user.click(within(dialog).getByRole("button", { name: "Change the notice days of 2 licenses" }));
    expect(await screen.findByText("0 changed, 0 refused, 2 failed.")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Retry 2 licenses that failed" }));
    expect(await screen.findByText("2 changed, 0 refused, 0 failed.")).toBeTruthy();
    const posts = api.requests.filter((r) => r.path === "/api/licenses/bulk");
    expect(posts).toHaveLength(2);
    expect((posts[1]!.body as { bulkId: string }).bulkId).toBe((posts[0]!.body as { bulkId: string }).bulkId);
    expect(posts[1]!.body).toMatchObject({ action: "notice", params: { notifyDays: 10 } });
  });

  it("selects every license matching the filters across pages", async () => {
    const api = pagedTableApi("/api/licenses", [license, second]);
    renderPage(<LicensesPage />, {
      session: sessionFor(["sales"]),
      path: "/crm/licenses?kind=commercial",
      pattern: "/crm/licenses",
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("checkbox", { name: "Select license …-7K3QD" }));
    await user.click(screen.getByRole("button", { name: "Select all matching the filters" }));
    expect(await screen.findByText("2 licenses selected")).toBeTruthy();
    const all = api.requests.filter((r) => r.query.get("limit") === "500");
    expect(all.map((r) => [r.query.get("kind"), r.query.get("cursor")])).toEqual([
      ["commercial", null],
      ["commercial", "c2"],
    ]);
  });

  it("writes the results as CSV, formulas defused", () => {
    const csv = resultsCsv([
      {
        license: { id: "lic_1", keyHint: "AAAAA", accountName: "=cmd()" },
        result: { id: "lic_1", outcome: "refused", message: "is revoked, sorry" },
      },
    ]);
    expect(csv).toBe(
      '\uFEFFLicense id,Key (last group),Account,Outcome,Reason\r\nlic_1,AAAAA,\'=cmd(),refused,"is revoked, sorry"\r\n',
    );
  });
});
