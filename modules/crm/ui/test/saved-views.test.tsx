// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import { fakeApi, type Recorded, renderPage, sessionFor } from "@licensing/ui/test-support";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AccountsPage } from "../src/accounts/AccountsPage.tsx";
import { LicensesPage } from "../src/licenses/LicensesPage.tsx";
import { license } from "./fixtures.ts";

afterEach(() => vi.unstubAllGlobals());
beforeEach(() => localStorage.clear());

const expiring = {
  id: "view_01JD6X8Q0V4N3ZP8E4E3W1T9QK",
  table: "licenses",
  name: "Expiring",
  query: "status=expiring",
  createdAt: "2026-01-05T10:00:00.000Z",
};

/** The licenses page's API with saved views kept in `views`; `save` answers POST /api/views. */
function viewsApi(save: (request: Recorded) => { status: number; body?: unknown }) {
  let views = [expiring];
  const api = fakeApi((request) => {
    if (request.path === "/api/views" && request.method === "GET")
      return { status: 200, body: { items: views } };
    if (request.path === "/api/views") {
      const answer = save(request);
      if (answer.status === 201) views = [...views, answer.body as typeof expiring];
      return answer;
    }
    if (request.path.startsWith("/api/views/") && request.method === "DELETE") {
      views = views.filter((v) => !request.path.endsWith(v.id));
      return { status: 204 };
    }
    if (request.path === "/api/licenses/count") return { status: 200, body: { count: 1, capped: false } };
    return {
      status: 200,
      body: { items: request.path === "/api/licenses" ? [license] : [], nextCursor: null },
    };
  });
  return api;
}

describe("saved views", () => {
  it("saves the current filters under a name, and applies a saved view from the menu", async () => {
    const api = viewsApi((request) => ({
      status: 201,
      body: { ...expiring, id: "view_01JD6X8Q0V4N3ZP8E4E3W1T9QM", ...(request.body as object) },
    }));
    const { router } = renderPage(<LicensesPage />, {
      session: sessionFor(["viewer"]),
      path: "/crm/licenses?kind=test",
      pattern: "/crm/licenses",
    });
    await screen.findByText("Initech");
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Views" }));
    await user.click(await screen.findByRole("menuitem", { name: "Save current filters…" }));
    const dialog = await screen.findByRole("dialog", { name: "Save the current filters" });
    await user.click(within(dialog).getByRole("button", { name: "Save view" }));
    expect(await within(dialog).findByText("Enter a name")).toBeTruthy();
    await user.type(within(dialog).getByRole("textbox", { name: /Name/ }), "Test licenses");
    await user.click(within(dialog).getByRole("button", { name: "Save view" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(api.requests.find((r) => r.method === "POST")?.body).toEqual({
      table: "licenses",
      name: "Test licenses",
      query: "kind=test",
    });

    await user.click(screen.getByRole("button", { name: "Views" }));
    expect(await screen.findByRole("menuitem", { name: "Test licenses" })).toBeTruthy();
    await user.click(screen.getByRole("menuitem", { name: "Expiring" }));
    await waitFor(() => expect(router.state.location.search).toBe("?status=expiring"));
  });

  it("shows the gateway's refusal of a taken name under the field, and deletes a view", async () => {
    viewsApi(() => ({
      status: 409,
      body: {
        code: "already_exists",
        message: 'You already have a view named "expiring" of the licenses table',
        requestId: "req_1",
      },
    }));
    renderPage(<LicensesPage />, {
      session: sessionFor(["sales"]),
      path: "/crm/licenses",
      pattern: "/crm/licenses",
    });
    await screen.findByText("Initech");
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Views" }));
    await user.click(await screen.findByRole("menuitem", { name: "Save current filters…" }));
    const dialog = await screen.findByRole("dialog", { name: "Save the current filters" });
    await user.type(within(dialog).getByRole("textbox", { name: /Name/ }), "expiring");
    await user.click(within(dialog).getByRole("button", { name: "Save view" }));
    expect(await within(dialog).findByText(/already have a view named "expiring"/)).toBeTruthy();
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));

    await user.click(screen.getByRole("button", { name: "Views" }));
    await user.click(await screen.findByRole("menuitem", { name: "Manage views…" }));
    const manage = await screen.findByRole("dialog", { name: "Saved views" });
    await user.click(within(manage).getByRole("button", { name: "Delete the view Expiring" }));
    expect(await within(manage).findByText("None left.")).toBeTruthy();
  });

  it("offers the accounts list its own views", async () => {
    const api = fakeApi((request) =>
      request.path === "/api/accounts/count"
        ? { status: 200, body: { count: 0, capped: false } }
        : { status: 200, body: { items: [], nextCursor: null } },
    );
    renderPage(<AccountsPage />, { session: sessionFor(["viewer"]), path: "/crm/accounts" });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Views" }));
    expect(await screen.findByRole("menuitem", { name: "None yet" })).toBeTruthy();
    expect(api.requests.find((r) => r.path === "/api/views")?.query.get("table")).toBe("accounts");
  });

  it("applies an accounts view with a search: the box shows it and the list is searched by it", async () => {
    const acmeView = {
      ...expiring,
      table: "accounts",
      name: "Acme prospects",
      query: "q=acme&type=prospect",
    };
    const api = fakeApi((request) => {
      if (request.path === "/api/views") return { status: 200, body: { items: [acmeView] } };
      if (request.path === "/api/accounts/count") return { status: 200, body: { count: 0, capped: false } };
      return { status: 200, body: { items: [], nextCursor: null } };
    });
    const { router } = renderPage(<AccountsPage />, {
      session: sessionFor(["viewer"]),
      path: "/crm/accounts?q=globex",
      pattern: "/crm/accounts",
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Views" }));
    await user.click(await screen.findByRole("menuitem", { name: "Acme prospects" }));
    await waitFor(() => expect(screen.getByLabelText("Search")).toHaveProperty("value", "acme"));
    // Past the search's debounce, the view's search is still the address's and the list's.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(router.state.location.search).toBe("?q=acme&type=prospect");
    const last = api.requests.filter((r) => r.path === "/api/accounts").at(-1)!;
    expect([last.query.get("query"), last.query.get("type")]).toEqual(["acme", "prospect"]);
  });
});
