// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import type { Account } from "@licensing/contracts";
import type { Session } from "@licensing/ui/kit";
import { fakeApi, type Recorded, renderApp, sessionFor } from "@licensing/ui/test-support";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import crm from "../src/index.ts";
import { licenseSearchText } from "../src/search.ts";
import { cockpit, collector, initech, license } from "./fixtures.ts";

afterEach(() => vi.unstubAllGlobals());

/** Initech with the country and CRM id the palette shows beside an account's name. */
const initechWithCrmId: Account = { ...initech, externalId: "CRM-42", country: "FR" };

const page = (items: unknown[]) => ({ status: 200, body: { items, nextCursor: null } });

/**
 * The gateway as the palette reads it: accounts match "init", licenses match their tail, id or
 * account name (the issuer's text filter), products are listed whole.
 */
function gateway(session: Session) {
  return fakeApi((request: Recorded) => {
    if (request.path === "/api/auth/session") return { status: 200, body: session };
    if (request.path === "/api/accounts")
      return page(request.query.get("query")?.toLowerCase().startsWith("init") ? [initechWithCrmId] : []);
    if (request.path === "/api/licenses") {
      const text = request.query.get("text") ?? "";
      const hit = text.toUpperCase() === license.keyHint || text === license.id || text === "init";
      return page(hit ? [license] : []);
    }
    if (request.path === "/api/products") return { status: 200, body: { items: [collector, cockpit] } };
    if (request.path === `/api/licenses/${license.id}`) return { status: 200, body: license };
    return page([]);
  });
}

async function openPalette() {
  const user = userEvent.setup();
  await user.click(await screen.findByRole("button", { name: /^Search ?Ctrl K$/ }));
  return { user, dialog: await screen.findByRole("dialog", { name: "Search everywhere" }) };
}

const names = (group: HTMLElement) =>
  within(group)
    .getAllByRole("option")
    .map((b) => b.textContent);

describe("the CRM module in the command palette", () => {
  it("finds a license by the key tail the tables show and opens its page with Enter", async () => {
    const api = gateway(sessionFor(["support"]));
    const { router } = renderApp("/crm/update-server", crm);
    const { user, dialog } = await openPalette();
    expect(within(dialog).getByRole("combobox").getAttribute("aria-label")).toBe(
      "Search pages, accounts, licenses, products",
    );
    await user.keyboard("…-7k3qd");
    const licenses = await within(dialog).findByRole("group", { name: "Licenses" });
    expect(names(licenses)).toEqual([
      `License …-7K3QD · InitechCommercial · collector · active · ${license.id}`,
    ]);
    // The tail goes to the licenses table's own filter, without the ellipsis and the dash.
    const sent = api.requests.filter((r) => r.path === "/api/licenses");
    expect(sent.map((r) => Object.fromEntries(r.query))).toEqual([{ text: "7k3qd", limit: "5" }]);
    await user.keyboard("{Enter}");
    await waitFor(() => expect(router.state.location.pathname).toBe(`/crm/licenses/${license.id}`));
    expect(await screen.findByRole("heading", { name: /License …-7K3QD/ })).toBeTruthy();
  });

  it("groups accounts, licenses and products, and opens the one clicked", async () => {
    const api = gateway(sessionFor(["viewer"]));
    const { router } = renderApp("/crm/update-server", crm);
    const { user, dialog } = await openPalette();
    await user.keyboard("init");
    await within(dialog).findByRole("group", { name: "Accounts" });
    await within(dialog).findByRole("group", { name: "Licenses" });
    const groups = within(dialog)
      .getAllByRole("group")
      .map((g) => g.getAttribute("aria-label"));
    expect(groups).toEqual(["Accounts", "Licenses"]);
    expect(names(within(dialog).getByRole("group", { name: "Accounts" }))).toEqual([
      "InitechCustomer · FR · CRM id CRM-42",
    ]);
    const accounts = api.requests.find((r) => r.path === "/api/accounts")!;
    expect(Object.fromEntries(accounts.query)).toEqual({
      query: "init",
      includeArchived: "true",
      limit: "5",
    });

    await user.clear(within(dialog).getByRole("combobox"));
    await user.keyboard("cock");
    const products = await within(dialog).findByRole("group", { name: "Products" });
    expect(names(products)).toEqual(["Cockpitcockpit"]);
    await user.click(within(products).getByRole("option", { name: /Cockpit/ }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/settings/products/cockpit"));
  });

  it("says so when nothing matches, naming what it searched by", async () => {
    gateway(sessionFor(["viewer"]));
    renderApp("/crm/update-server", crm);
    const { user, dialog } = await openPalette();
    await user.keyboard("ZZZZZ");
    expect(await within(dialog).findByText(/No results for “ZZZZZ”/)).toBeTruthy();
    expect(
      within(dialog).getByText(/licenses by id \(lic_…\), whole key, the key's last five characters/),
    ).toBeTruthy();
  });

  it("does not search what the user may not open", async () => {
    const session = sessionFor(["viewer"]);
    session.permissions = session.permissions.filter((a) => a !== "license.read");
    const api = gateway(session);
    renderApp("/crm/update-server", crm);
    const { user, dialog } = await openPalette();
    await user.keyboard("init");
    await within(dialog).findByRole("group", { name: "Accounts" });
    expect(within(dialog).queryByRole("group", { name: "Licenses" })).toBeNull();
    expect(api.requests.some((r) => r.path === "/api/licenses")).toBe(false);
  });
});

describe("a license search's text", () => {
  it("drops the ellipsis and dash a copied tail carries, and keeps ids and whole keys as they are", () => {
    expect(licenseSearchText(" …-7K3QD ")).toBe("7K3QD");
    expect(licenseSearchText("...-7K3QD")).toBe("7K3QD");
    expect(licenseSearchText("-7K3QD")).toBe("7K3QD");
    expect(licenseSearchText(license.id)).toBe(license.id);
    expect(licenseSearchText("LK-ABCDE-FGHJK-MNPQR-STVWX-YZ012")).toBe("LK-ABCDE-FGHJK-MNPQR-STVWX-YZ012");
    expect(licenseSearchText("…")).toBe("");
  });
});
