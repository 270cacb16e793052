// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import { fakeApi, renderPage, sessionFor } from "@licensing/ui/test-support";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  activeFilterCount,
  activeMoreFilters,
  clearingOf,
  filtersFromParams,
  filtersToParams,
  moreFilters,
  noFilters,
} from "../src/licenses/filters.ts";
import { LicensesPage } from "../src/licenses/LicensesPage.tsx";
import { collector, directoryUsers, license } from "./fixtures.ts";

afterEach(() => vi.unstubAllGlobals());
beforeEach(() => localStorage.clear());

/** The API of the licenses page, with the user directory. */
function tableApi() {
  return fakeApi((request) => {
    if (request.path === "/api/licenses/count") return { status: 200, body: { count: 1, capped: false } };
    if (request.path === "/api/licenses")
      return { status: 200, body: { items: [license], nextCursor: null } };
    if (request.path === "/api/products") return { status: 200, body: { items: [collector] } };
    if (request.path === "/api/users/directory") return { status: 200, body: { items: directoryUsers } };
    return { status: 200, body: { items: [], nextCursor: null } };
  });
}

const more = () => screen.getByRole("button", { name: /^More filters/ });

describe("the licenses table's filters", () => {
  it("keeps the row to the common filters and shows the others set as removable chips", async () => {
    const api = tableApi();
    const { router } = renderPage(<LicensesPage />, {
      session: sessionFor(["viewer"]),
      path: "/crm/licenses?kind=test&createdBy=alice&internal=true&createdFrom=2026-01-01&createdTo=2026-01-31",
      pattern: "/crm/licenses",
    });
    await screen.findByText("Initech");
    for (const name of ["Search", "Account", "Product", "Status", "Kind"])
      expect(screen.getAllByLabelText(name, { exact: false }).length, name).toBeGreaterThan(0);
    // "More filters" is closed, says how many of its filters are set, and hides them.
    expect(more().getAttribute("aria-expanded")).toBe("false");
    expect(more().textContent).toContain("3");
    expect(screen.queryByRole("textbox", { name: "Created by" })).toBeNull();
    // Each of them shows as a chip; a date range is one filter (and counts once in "Clear filters").
    const chips = screen.getByRole("group", { name: "Set in More filters" });
    expect(within(chips).getByText("Created by: alice")).toBeTruthy();
    expect(within(chips).getByText("Internal only")).toBeTruthy();
    expect(within(chips).getByText(/^Created: .+ – .+$/)).toBeTruthy();
    expect(screen.getByRole("button", { name: /Clear filters \(4\)/ })).toBeTruthy();
    // The user directory is not asked while its picker is out of sight.
    expect(api.requests.some((r) => r.path === "/api/users/directory")).toBe(false);

    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Remove filter Created by: alice" }));
    await waitFor(() =>
      expect(Object.fromEntries(new URLSearchParams(router.state.location.search))).toEqual({
        kind: "test",
        internal: "true",
        createdFrom: "2026-01-01",
        createdTo: "2026-01-31",
      }),
    );
    await user.click(screen.getByRole("button", { name: /^Remove filter Created: / }));
    await waitFor(() => expect(router.state.location.search).toBe("?kind=test&internal=true"));
    expect(more().textContent).toContain("1");
    await user.click(screen.getByRole("button", { name: /Clear filters/ }));
    await waitFor(() => expect(router.state.location.search).toBe(""));
    expect(screen.queryByRole("group", { name: "Set in More filters" })).toBeNull();
  });

  it("picks 'Created by' among the platform's users by name, from the directory a viewer may read", async () => {
    const api = tableApi();
    const { router } = renderPage(<LicensesPage />, {
      session: sessionFor(["viewer"]),
      path: "/crm/licenses?status=active",
      pattern: "/crm/licenses",
    });
    await screen.findByText("Initech");
    const user = userEvent.setup();
    await user.click(more());
    expect(more().getAttribute("aria-expanded")).toBe("true");
    const picker = await screen.findByRole("textbox", { name: "Created by" });
    await user.click(picker);
    await user.type(picker, "bob");
    await user.click(await screen.findByRole("option", { name: "bob.sales" }));
    await waitFor(() => expect(router.state.location.search).toBe("?status=active&createdBy=bob.sales"));
    // The list asks for the username, which the issuer matches as the name recorded at creation.
    await waitFor(() =>
      expect(
        Object.fromEntries(api.requests.filter((r) => r.path === "/api/licenses").at(-1)!.query),
      ).toMatchObject({ createdBy: "bob.sales", status: "active" }),
    );
    // Not user management's /api/users, which a viewer may not read.
    expect(api.requests.some((r) => r.path === "/api/users/directory")).toBe(true);
    expect(api.requests.some((r) => r.path === "/api/users")).toBe(false);
    // While open, the filters show in their own fields, not again as chips; the badge still counts.
    expect(screen.queryByRole("group", { name: "Set in More filters" })).toBeNull();
    expect(more().textContent).toContain("1");
    await user.click(more());
    expect(await screen.findByText("Created by: bob.sales")).toBeTruthy();
  });

  it("offers a name that is no current user's as typed, and shows one from the address", async () => {
    tableApi();
    const { router } = renderPage(<LicensesPage />, {
      session: sessionFor(["support"]),
      path: "/crm/licenses?createdBy=j.smith",
      pattern: "/crm/licenses",
    });
    await screen.findByText("Initech");
    const user = userEvent.setup();
    await user.click(more());
    const picker = await screen.findByRole("textbox", { name: "Created by" });
    await waitFor(() => expect((picker as HTMLInputElement).value).toBe("j.smith (not a current user)"));
    await user.clear(picker);
    await user.type(picker, "legacy-creator");
    await user.click(await screen.findByRole("option", { name: "legacy-creator (not a current user)" }));
    await waitFor(() => expect(router.state.location.search).toBe("?createdBy=legacy-creator"));
  });
});

describe("the filters as units", () => {
  it("puts every filter either in the row or behind More filters", () => {
    const hidden = Object.values(moreFilters).flat();
    const row = ["text", "accountId", "product", "status", "kind"];
    const all = Object.keys(noFilters).filter((key) => key !== "sort" && key !== "order");
    expect([...row, ...hidden].sort()).toEqual(all.sort());
  });

  it("counts a day range once, even with one end, and clears both ends", () => {
    const filters = filtersFromParams(
      new URLSearchParams(
        "status=active,expired&endFrom=2026-02-01&createdTo=2026-03-01&createdFrom=2026-01-01",
      ),
    );
    expect(activeMoreFilters(filters)).toEqual(["created", "ends"]);
    expect(activeFilterCount(filters)).toBe(3);
    expect(activeFilterCount(noFilters)).toBe(0);
    const cleared = { ...filters, ...clearingOf("created") };
    expect(filtersToParams(cleared).toString()).toBe("status=active%2Cexpired&endFrom=2026-02-01");
  });
});
