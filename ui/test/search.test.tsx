// @vitest-environment jsdom
import "./support/dom.ts";
import crm from "@licensing/crm-ui";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Session, UiModule } from "../src/kit/types.ts";
import { buildMenu } from "../src/shell/menu.ts";
import { matchPages, searchProviders } from "../src/shell/search.ts";
import { fakeApi, type Recorded, renderApp, sessionFor } from "./support/render.tsx";

afterEach(() => vi.unstubAllGlobals());

const empty = { items: [], nextCursor: null };

/** The signed-in app's API: the session, and `answer` for the rest (by default, nothing found). */
function signedIn(session: Session, answer?: (request: Recorded) => { status: number; body?: unknown }) {
  return fakeApi((request) => {
    if (request.path === "/api/auth/session") return { status: 200, body: session };
    if (answer) return answer(request);
    return { status: 200, body: request.path === "/api/products" ? { items: [] } : empty };
  });
}

async function openWithShortcut() {
  const user = userEvent.setup();
  await screen.findByRole("navigation", { name: "Main menu" });
  await user.keyboard("{Control>}k{/Control}");
  const dialog = await screen.findByRole("dialog", { name: "Search everywhere" });
  return { user, dialog };
}

const searchRequests = (requests: Recorded[]) =>
  requests.filter((r) => r.path !== "/api/auth/session" && !r.path.startsWith("/api/settings"));

describe("search everywhere", () => {
  it("has a header button named Search that shows its shortcut, and a labelled palette", async () => {
    signedIn(sessionFor(["viewer"], false));
    renderApp("/crm/update-server", crm);
    const user = userEvent.setup();
    const button = await screen.findByRole("button", { name: /^Search ?Ctrl K$/ });
    expect(button.getAttribute("aria-keyshortcuts")).toBe("Control+K Meta+K");
    await user.click(button);
    const dialog = await screen.findByRole("dialog", { name: "Search everywhere" });
    // CRM is not active: the palette offers pages only, and says so.
    const input = within(dialog).getByRole("combobox", { name: "Search pages" });
    await waitFor(() => expect(document.activeElement).toBe(input));
    expect(input.getAttribute("placeholder")).toBe("Go to a page…");
  });

  it("opens with Ctrl-K even while typing in a field, and lists only the pages the user's menu has", async () => {
    signedIn(sessionFor(["viewer"]));
    renderApp("/crm/accounts", crm);
    const user = userEvent.setup();
    // The focus in the accounts table's own search field: Ctrl-K still opens the palette.
    await user.click(await screen.findByRole("searchbox", { name: "Search" }));
    const { dialog } = await openWithShortcut();
    const pages = within(dialog).getByRole("group", { name: "Pages" });
    const labels = within(pages)
      .getAllByRole("option")
      .map((b) => b.textContent);
    // The viewer's menu: no generator (license.create.test), no Users or Activation (superadmin).
    expect(labels).toContain("LicensesCRM");
    expect(labels.some((l) => l?.startsWith("License generator"))).toBe(false);
    expect(labels.some((l) => l?.startsWith("Users"))).toBe(false);
    await user.keyboard("usr");
    expect(await within(dialog).findByText(/No results for “usr”/)).toBeTruthy();
  });

  it("goes to the page chosen with the keyboard, naming the chosen one to assistive technology", async () => {
    signedIn(sessionFor(["superadmin"]));
    const { router } = renderApp("/crm/update-server", crm);
    const { user, dialog } = await openWithShortcut();
    await user.keyboard("settings");
    const input = within(dialog).getByRole("combobox", { name: /^Search pages/ });
    // Every Settings entry a superadmin's menu holds, in the menu's order.
    const settings = buildMenu(sessionFor(["superadmin"]), crm).find((s) => s.title === "Settings")!.items;
    await waitFor(() =>
      expect(within(dialog).getByRole("status").textContent).toBe(`${settings.length} results`),
    );
    const options = within(within(dialog).getByRole("listbox", { name: "Results" })).getAllByRole("option");
    expect(options.map((o) => o.textContent)).toEqual(settings.map((item) => `${item.label}Settings`));
    expect(settings[1]?.path).toBe("/settings/users");
    await waitFor(() => expect(input.getAttribute("aria-activedescendant")).toBe(options[0]!.id));
    await user.keyboard("{ArrowDown}");
    await waitFor(() => expect(input.getAttribute("aria-activedescendant")).toBe(options[1]!.id));
    expect(options[1]!.getAttribute("aria-selected")).toBe("true");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(router.state.location.pathname).toBe("/settings/users"));
    await waitFor(() => expect(screen.queryByRole("dialog", { name: "Search everywhere" })).toBeNull());
  });

  it("asks no module anything while the module is inactive", async () => {
    const api = signedIn(sessionFor(["superadmin"], false));
    renderApp("/crm/update-server", crm);
    const { user, dialog } = await openWithShortcut();
    await user.keyboard("acme");
    expect(await within(dialog).findByText(/No results for “acme”/)).toBeTruthy();
    expect(searchRequests(api.requests)).toEqual([]);
  });

  it("says in words when a group could not be searched, and still shows the others", async () => {
    signedIn(sessionFor(["viewer"]), (request) =>
      request.path === "/api/accounts"
        ? {
            status: 503,
            body: {
              code: "service_unavailable",
              message: "The catalog is not answering",
              requestId: "req_x",
            },
          }
        : request.path === "/api/products"
          ? { status: 200, body: { items: [] } }
          : { status: 200, body: empty },
    );
    renderApp("/crm/update-server", crm);
    const { user, dialog } = await openWithShortcut();
    await user.keyboard("dash");
    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toBe(
      "Accounts could not be searched: The catalog is not answering (request id req_x)",
    );
    expect(within(dialog).queryByRole("group", { name: "Accounts" })).toBeNull();
    expect(within(dialog).getByRole("group", { name: "Pages" }).textContent).toContain("Dashboard");
  });
});

describe("what the palette searches", () => {
  const noSearch: UiModule = { ...crm, search: undefined };

  it("matches every word typed against the page's label or its section", () => {
    const menu = buildMenu(sessionFor(["superadmin"]), crm);
    expect(matchPages(menu, "settings pre").map((p) => p.path)).toEqual(["/settings/presets"]);
    expect(matchPages(menu, "LICENSE").map((p) => p.label)).toEqual(["License generator", "Licenses"]);
    expect(matchPages(menu, "")).toHaveLength(menu.flatMap((s) => s.items).length);
  });

  it("asks a module's providers only while it is active, and only those the user's actions allow", () => {
    const ids = (session: Session, module: UiModule | null = crm) =>
      searchProviders(session, [module]).map((p) => p.id);
    expect(ids(sessionFor(["viewer"]))).toEqual(["accounts", "licenses", "products"]);
    expect(ids(sessionFor(["viewer"], false))).toEqual([]);
    expect(ids(sessionFor(["viewer"]), null)).toEqual([]);
    expect(ids(sessionFor(["viewer"]), noSearch)).toEqual([]);
    const noProducts = sessionFor(["viewer"]);
    noProducts.permissions = noProducts.permissions.filter((a) => a !== "product.read");
    expect(ids(noProducts)).toEqual(["accounts", "licenses"]);
  });
});
