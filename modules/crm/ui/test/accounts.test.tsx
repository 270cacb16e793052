// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import type { Account } from "@licensing/contracts";
import { fakeApi, renderPage, sessionFor } from "@licensing/ui/test-support";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NewAccountPage } from "../src/accounts/AccountEditPage.tsx";
import { AccountPage } from "../src/accounts/AccountPage.tsx";
import { AccountsPage } from "../src/accounts/AccountsPage.tsx";

afterEach(() => vi.unstubAllGlobals());

const acme: Account = {
  id: "acc_01JD6X8Q0V4N3ZP8E4E3W1T9QK",
  type: "prospect",
  name: "Acme",
  externalId: "CRM-1",
  country: "FR",
  contacts: [{ name: "Ann", email: "ann@acme.test", role: "CTO" }],
  salesOwner: "alice",
  notes: "",
  archived: false,
  version: 1,
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-01-05T10:00:00.000Z",
};

/** The accounts list's API: one page of `acme`, and its count. */
const listApi = () =>
  fakeApi((request) =>
    request.path === "/api/accounts/count"
      ? { status: 200, body: { count: 1, capped: false } }
      : { status: 200, body: { items: [acme], nextCursor: null } },
  );

describe("the accounts list", () => {
  it("searches as the operator types (debounced), with the type and archived filters", async () => {
    const api = listApi();
    renderPage(<AccountsPage />, { session: sessionFor(["sales"]), path: "/crm/accounts" });
    expect(await screen.findByRole("link", { name: "Acme" })).toBeTruthy();
    expect(await screen.findByText("1 account matches")).toBeTruthy();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Search"), "acne");
    await user.click(screen.getByRole("radio", { name: "Prospects" }));
    await user.click(screen.getByRole("switch", { name: "Show archived" }));
    const lists = () => api.requests.filter((r) => r.path === "/api/accounts");
    await waitFor(() => {
      const last = lists().at(-1)!;
      expect(Object.fromEntries(last.query)).toEqual({
        query: "acne",
        type: "prospect",
        includeArchived: "true",
        limit: "50",
      });
    });
    // The count takes the same filters, without the page.
    await waitFor(() =>
      expect(
        Object.fromEntries(api.requests.filter((r) => r.path === "/api/accounts/count").at(-1)!.query),
      ).toEqual({
        query: "acne",
        type: "prospect",
        includeArchived: "true",
      }),
    );
    // One request for the whole word, not one per keystroke.
    expect(lists().filter((r) => r.query.get("query")?.startsWith("ac")).length).toBeLessThanOrEqual(3);
  });

  it("shows the create and import controls only to roles that may write accounts", async () => {
    listApi();
    renderPage(<AccountsPage />, { session: sessionFor(["viewer"]), path: "/crm/accounts" });
    expect(await screen.findByRole("link", { name: "Acme" })).toBeTruthy();
    expect(screen.queryByRole("link", { name: /New account/ })).toBeNull();
    expect(screen.queryByRole("link", { name: /Import CSV/ })).toBeNull();
  });

  it("pages forward with the cursor the server gave, and back", async () => {
    const api = fakeApi((request) => ({
      status: 200,
      body:
        request.path === "/api/accounts/count"
          ? { count: 10_000, capped: true }
          : request.query.get("cursor")
            ? { items: [{ ...acme, id: "acc_01JD6X8Q0V4N3ZP8E4E3W1T9QZ", name: "Zeta" }], nextCursor: null }
            : { items: [acme], nextCursor: "c2" },
    }));
    renderPage(<AccountsPage />, { session: sessionFor(["viewer"]), path: "/crm/accounts" });
    const user = userEvent.setup();
    await screen.findByRole("link", { name: "Acme" });
    expect(await screen.findByText("10,000+ accounts match")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByRole("link", { name: "Zeta" })).toBeTruthy();
    expect(
      api.requests
        .filter((r) => r.path === "/api/accounts")
        .at(-1)
        ?.query.get("cursor"),
    ).toBe("c2");
    expect((screen.getByRole("button", { name: "Next" }) as HTMLButtonElement).disabled).toBe(true);
    await user.click(screen.getByRole("button", { name: "Previous" }));
    expect(await screen.findByRole("link", { name: "Acme" })).toBeTruthy();
  });
});

describe("creating an account", () => {
  it("shows the contract's rules next to the fields before sending anything", async () => {
    const api = fakeApi(() => ({ status: 500 }));
    renderPage(<NewAccountPage />, { session: sessionFor(["sales"]), path: "/crm/accounts/new" });
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Add contact" }));
    const contact = screen.getByRole("group", { name: "Contact 1" });
    await user.type(within(contact).getByLabelText(/Name/), "Ann");
    await user.type(within(contact).getByLabelText(/Email/), "ann@");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByText("Enter a name")).toBeTruthy();
    expect(screen.getByText("must be an email address")).toBeTruthy();
    expect(within(contact).getByLabelText(/Email/).getAttribute("aria-invalid")).toBe("true");
    expect(api.requests).toHaveLength(0);
  });

  it("puts the server's validation issues on the matching fields", async () => {
    const api = fakeApi(() => ({
      status: 409,
      body: {
        code: "validation_failed",
        message: "Invalid request: externalId: is taken",
        requestId: "req_x",
        details: { issues: [{ path: "externalId", message: "is already used by another account" }] },
      },
    }));
    renderPage(<NewAccountPage />, { session: sessionFor(["sales"]), path: "/crm/accounts/new" });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText(/^Name/), "Acme");
    await user.type(screen.getByLabelText(/External CRM id/), "CRM-1");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByText("is already used by another account")).toBeTruthy();
    expect(screen.getByLabelText(/External CRM id/).getAttribute("aria-invalid")).toBe("true");
    expect(api.requests[0]).toMatchObject({ method: "POST", path: "/api/accounts" });
    expect(api.requests[0]?.body).toMatchObject({ type: "customer", name: "Acme", externalId: "CRM-1" });
  });
});

describe("an account's page", () => {
  it("promotes a prospect and archives only after the operator confirms", async () => {
    let current = acme;
    const api = fakeApi((request) => {
      if (request.method === "POST" && request.path.endsWith("/promote"))
        current = { ...current, type: "customer", version: 2 };
      if (request.method === "POST" && request.path.endsWith("/archive"))
        current = { ...current, archived: true, version: 3 };
      return { status: 200, body: current };
    });
    renderPage(<AccountPage />, {
      session: sessionFor(["sales"]),
      path: `/crm/accounts/${acme.id}`,
      pattern: "/crm/accounts/:id",
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Promote to customer" }));
    await user.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Promote" }));
    await waitFor(() => expect(screen.queryByRole("button", { name: "Promote to customer" })).toBeNull());
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());

    await user.click(screen.getByRole("button", { name: "Archive" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(api.requests.filter((r) => r.path.endsWith("/archive"))).toHaveLength(0);
    await user.click(screen.getByRole("button", { name: "Archive" }));
    fireEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Archive" }));
    expect(await screen.findByRole("button", { name: "Restore" })).toBeTruthy();
    expect(api.requests.filter((r) => r.method === "POST").map((r) => r.headers["X-CSRF-Token"])).toEqual([
      "csrf-test-token",
      "csrf-test-token",
    ]);
  });

  it("shows the account's history, newest first, a page at a time", async () => {
    const entry = (action: string, at: string, changes: Record<string, [unknown, unknown]>) => ({
      id: `aud_${action}`,
      service: "catalog",
      at,
      actorId: "usr_01",
      actorName: "alice",
      action: `account.${action}`,
      entityType: "account",
      entityId: acme.id,
      requestId: "req_1",
      reason: null,
      changes,
      chainSeq: 1,
    });
    const api = fakeApi((request) =>
      request.path.endsWith("/history")
        ? {
            status: 200,
            body: {
              items: [
                entry("updated", "2026-01-06T10:00:00.000Z", { notes: ["", "met at fair"] }),
                entry("created", "2026-01-05T10:00:00.000Z", {}),
              ],
              nextCursor: null,
            },
          }
        : { status: 200, body: acme },
    );
    renderPage(<AccountPage />, {
      session: sessionFor(["viewer"]),
      path: `/crm/accounts/${acme.id}?tab=history`,
      pattern: "/crm/accounts/:id",
    });
    const table = await screen.findByRole("table", { name: "Account history" });
    const rows = await within(table).findAllByRole("row");
    expect(rows.map((row) => row.textContent)).toEqual([
      "WhenWhatWhoChanges",
      expect.stringMatching(/updated.*alice.*notes: "" → "met at fair"/),
      expect.stringMatching(/created.*alice.*—/),
    ]);
    const asked = api.requests.find((r) => r.path.endsWith("/history"))!;
    expect(asked.path).toBe(`/api/accounts/${acme.id}/history`);
    expect(Object.fromEntries(asked.query)).toEqual({ limit: "25" });
  });

  it("shows a viewer the details without any action", async () => {
    fakeApi(() => ({ status: 200, body: acme }));
    renderPage(<AccountPage />, {
      session: sessionFor(["viewer"]),
      path: `/crm/accounts/${acme.id}`,
      pattern: "/crm/accounts/:id",
    });
    expect(await screen.findByText("ann@acme.test")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Archive|Promote|Edit/ })).toBeNull();
    expect(screen.queryByRole("link", { name: /Edit/ })).toBeNull();
  });

  it.each([
    [
      "a malformed id",
      "acc_nope",
      {
        status: 400,
        body: {
          code: "validation_failed",
          message: "Invalid request",
          requestId: "req_x",
          details: { issues: [{ path: "id", message: "must be an id starting with acc_" }] },
        },
      },
    ],
    [
      "an id no account has",
      "acc_01JD6X8Q0V4N3ZP8E4E3W1T9ZZ",
      { status: 404, body: { code: "not_found", message: "account not found", requestId: "req_x" } },
    ],
  ])("says there is no such account for %s", async (_, id, answer) => {
    fakeApi(() => answer);
    renderPage(<AccountPage />, {
      session: sessionFor(["viewer"]),
      path: `/crm/accounts/${id}`,
      pattern: "/crm/accounts/:id",
    });
    expect(await screen.findByText("No account with this id")).toBeTruthy();
    expect(screen.queryByText(/must be an id/)).toBeNull();
  });
});
