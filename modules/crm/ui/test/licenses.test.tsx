// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import type { LicenseDetail } from "@licensing/contracts";
import { fakeApi, type Recorded, renderPage, sessionFor } from "@licensing/ui/test-support";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AccountPage } from "../src/accounts/AccountPage.tsx";
import { DashboardPage } from "../src/licenses/DashboardPage.tsx";
import { GeneratorPage } from "../src/licenses/GeneratorPage.tsx";
import { LicensePage } from "../src/licenses/LicensePage.tsx";
import { LicensesPage } from "../src/licenses/LicensesPage.tsx";
import { cockpit, collector, initech, issued, license, testPreset, usageSummary } from "./fixtures.ts";

afterEach(() => vi.unstubAllGlobals());
beforeEach(() => localStorage.clear());

/** The API a generator page talks to; `create` answers POST /api/licenses. */
function generatorApi(
  create: (request: Recorded) => { status: number; body?: unknown },
  presets: unknown[] = [testPreset],
) {
  return fakeApi((request) => {
    if (request.path === "/api/products") return { status: 200, body: { items: [collector, cockpit] } };
    if (request.path === "/api/presets") return { status: 200, body: { items: presets } };
    if (request.path === "/api/accounts")
      return { status: 200, body: { items: [initech], nextCursor: null } };
    if (request.path === `/api/accounts/${initech.id}`) return { status: 200, body: initech };
    if (request.method === "POST") return create(request);
    return { status: 404, body: { code: "not_found", message: "no", requestId: "req_x" } };
  });
}

describe("the license generator", () => {
  it("fills the main product's defaults and sends every parameter with one idempotency key", async () => {
    const api = generatorApi(() => ({ status: 201, body: { batchId: null, licenses: [issued()] } }));
    renderPage(<GeneratorPage />, {
      session: sessionFor(["sales"]),
      path: `/crm/generator?accountId=${initech.id}`,
      pattern: "/crm/generator",
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("textbox", { name: /^Products/ }));
    await user.click(await screen.findByRole("option", { name: "Collector (collector)" }));
    // The catalog defaults of Collector filled the form.
    await waitFor(() =>
      expect((screen.getByLabelText(/^Available activations/) as HTMLInputElement).value).toBe("3"),
    );
    expect(screen.queryByRole("switch", { name: /Internal use/ })).toBeNull();
    expect(screen.getByText("Initech")).toBeTruthy();
    const submit = screen.getByRole("button", { name: "Generate license" });
    fireEvent.click(submit);
    fireEvent.click(submit);
    expect(await screen.findByText("LK-AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")).toBeTruthy();
    const posts = api.requests.filter((r) => r.method === "POST");
    expect(posts.length).toBeGreaterThanOrEqual(1);
    expect(new Set(posts.map((p) => (p.body as { idempotencyKey: string }).idempotencyKey)).size).toBe(1);
    expect(posts[0]?.body).toMatchObject({
      accountId: initech.id,
      products: ["collector"],
      kind: "commercial",
      durationDays: 365,
      executionModes: ["scanning"],
      unitsType: "lines",
      notifyDays: 30,
      count: 1,
    });
    expect(screen.getByRole("button", { name: "Copy the key" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Download file" })).toBeTruthy();
  });

  it("moves the focus to the result, announces it, and locks the form until Generate another", async () => {
    const api = generatorApi(() => ({ status: 201, body: { batchId: null, licenses: [issued()] } }));
    renderPage(<GeneratorPage />, {
      session: sessionFor(["sales"]),
      path: `/crm/generator?accountId=${initech.id}`,
      pattern: "/crm/generator",
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("textbox", { name: /^Products/ }));
    await user.click(await screen.findByRole("option", { name: "Collector (collector)" }));
    const submit = screen.getByRole("button", { name: "Generate license" });
    await user.dblClick(submit);
    const panel = await screen.findByRole("region", { name: "License created" });
    await waitFor(() => expect(document.activeElement).toBe(panel));
    expect(screen.getByRole("status").textContent).toMatch(/^The license for Initech is ready/);
    // Locked: neither the button nor the fields take another submission.
    expect(submit.matches(":disabled")).toBe(true);
    expect(screen.getByRole("textbox", { name: /^Products/ }).matches(":disabled")).toBe(true);
    await user.click(submit);
    const posts = () => api.requests.filter((r) => r.method === "POST");
    expect(posts()).toHaveLength(1);

    await user.click(within(panel).getByRole("button", { name: "Generate another" }));
    expect(screen.queryByRole("region", { name: "License created" })).toBeNull();
    expect(submit.matches(":disabled")).toBe(false);
    // A new fill: the account stays, the parameters start again, and the next key is another one.
    expect(screen.getByText("Initech")).toBeTruthy();
    await user.click(screen.getByRole("textbox", { name: /^Products/ }));
    await user.click(await screen.findByRole("option", { name: "Collector (collector)" }));
    await user.click(submit);
    await screen.findByRole("region", { name: "License created" });
    const keys = posts().map((p) => (p.body as { idempotencyKey: string }).idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it("switches to the product's test defaults with the kind, and keeps the notice within the license", async () => {
    const api = generatorApi(() => ({ status: 201, body: { batchId: null, licenses: [issued()] } }));
    renderPage(<GeneratorPage />, {
      session: sessionFor(["sales"]),
      path: `/crm/generator?accountId=${initech.id}`,
      pattern: "/crm/generator",
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("textbox", { name: /^Products/ }));
    await user.click(await screen.findByRole("option", { name: "Collector (collector)" }));
    const duration = () => (screen.getByLabelText(/^Duration \(days\)/) as HTMLInputElement).value;
    const notice = () => (screen.getByLabelText(/^Notice \(days before the end\)/) as HTMLInputElement).value;
    await waitFor(() => expect(duration()).toBe("365"));
    expect(notice()).toBe("30");
    await user.click(screen.getByRole("radio", { name: "Test" }));
    await waitFor(() => expect(duration()).toBe("21"));
    expect(notice()).toBe("5");
    // Back to commercial: the product's own year and notice.
    await user.click(screen.getByRole("radio", { name: "Commercial" }));
    await waitFor(() => expect(duration()).toBe("365"));
    expect(notice()).toBe("30");
    // A duration shorter than the notice shortens the notice.
    await user.click(screen.getByRole("radio", { name: "Test" }));
    await user.clear(screen.getByLabelText(/^Notice \(days before the end\)/));
    await user.type(screen.getByLabelText(/^Notice \(days before the end\)/), "20");
    await user.clear(screen.getByLabelText(/^Duration \(days\)/));
    await user.type(screen.getByLabelText(/^Duration \(days\)/), "14");
    await user.tab();
    await waitFor(() => expect(notice()).toBe("14"));
    await user.click(screen.getByRole("button", { name: "Generate license" }));
    await screen.findByRole("region", { name: "License created" });
    expect(api.requests.find((r) => r.method === "POST")?.body).toMatchObject({
      kind: "test",
      durationDays: 14,
      notifyDays: 14,
    });
  });

  it("starts a role that may create test licenses only from the test defaults", async () => {
    generatorApi(() => ({ status: 500 }));
    renderPage(<GeneratorPage />, { session: sessionFor(["support"]), path: "/crm/generator" });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("textbox", { name: /^Products/ }));
    await user.click(await screen.findByRole("option", { name: "Collector (collector)" }));
    await waitFor(() =>
      expect((screen.getByLabelText(/^Duration \(days\)/) as HTMLInputElement).value).toBe("21"),
    );
    expect((screen.getByLabelText(/^Notice \(days before the end\)/) as HTMLInputElement).value).toBe("5");
    expect((screen.getByRole("radio", { name: "Test" }) as HTMLInputElement).checked).toBe(true);
  });

  it("moves the focus to the first field in error and announces the refusal", async () => {
    generatorApi(() => ({ status: 201, body: { batchId: null, licenses: [issued()] } }));
    renderPage(<GeneratorPage />, { session: sessionFor(["sales"]), path: "/crm/generator" });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Generate license" }));
    const account = screen.getByRole("textbox", { name: /^Account/ });
    await waitFor(() => expect(document.activeElement).toBe(account));
    expect(account.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByRole("status").textContent).toMatch(/^The license was not created: \d+ fields? need/);
  });

  it("checks the fields against the contract before sending, and puts the issuer's issues on them", async () => {
    const api = generatorApi(() => ({
      status: 400,
      body: {
        code: "validation_failed",
        message: "Invalid request",
        requestId: "req_x",
        details: {
          issues: [{ path: "executionModes.0", message: "teleport is not an execution mode of collector" }],
        },
      },
    }));
    renderPage(<GeneratorPage />, { session: sessionFor(["license-admin"]), path: "/crm/generator" });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Generate license" }));
    // In words for the operator, not the schema library's.
    expect(await screen.findByText("Choose an account")).toBeTruthy();
    expect(screen.getByText("Add at least one product")).toBeTruthy();
    expect(screen.queryByText(/must be an id|Too small/)).toBeNull();
    expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(0);
    // A license admin may create internal-use licenses.
    expect(screen.getByRole("switch", { name: /Internal use/ })).toBeTruthy();

    await user.click(screen.getByRole("textbox", { name: /^Account/ }));
    await user.click(await screen.findByRole("option", { name: /Initech/ }));
    await user.click(screen.getByRole("textbox", { name: /^Products/ }));
    await user.click(await screen.findByRole("option", { name: "Collector (collector)" }));
    await user.click(screen.getByRole("button", { name: "Generate license" }));
    expect(await screen.findByText("teleport is not an execution mode of collector")).toBeTruthy();
  });

  it("points to Settings → Presets when there is no preset", async () => {
    generatorApi(() => ({ status: 500 }), []);
    renderPage(<GeneratorPage />, { session: sessionFor(["license-admin"]), path: "/crm/generator" });
    const link = await screen.findByRole("link", { name: "Define one in Settings → Presets" });
    expect(link.getAttribute("href")).toBe("/settings/presets");
  });

  it("quick-generates from a preset for the chosen account", async () => {
    const api = generatorApi(() => ({
      status: 201,
      body: { batchId: null, licenses: [issued({ kind: "test" })] },
    }));
    renderPage(<GeneratorPage />, {
      session: sessionFor(["support"]),
      path: `/crm/generator?accountId=${initech.id}`,
      pattern: "/crm/generator",
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "30-day test" }));
    expect(await screen.findByText("LK-AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")).toBeTruthy();
    const quick = api.requests.find((r) => r.path === "/api/licenses/quick-generate");
    expect(quick?.body).toMatchObject({ presetId: testPreset.id, accountId: initech.id });
    // Support may create test licenses only: commercial is not offered.
    expect(screen.getByRole("radio", { name: "Commercial" }).matches(":disabled")).toBe(true);
  });
});

describe("the licenses table", () => {
  it("sends the URL's filters to the API and exports the same filtered set", async () => {
    const api = fakeApi((request) =>
      request.path === "/api/licenses"
        ? { status: 200, body: { items: [license], nextCursor: "c2" } }
        : request.path === "/api/licenses/count"
          ? { status: 200, body: { count: 10_000, capped: true } }
          : request.path === "/api/products"
            ? { status: 200, body: { items: [collector] } }
            : { status: 200, body: { items: [initech], nextCursor: null } },
    );
    renderPage(<LicensesPage />, {
      session: sessionFor(["viewer"]),
      path: "/crm/licenses?status=expiring,expired&product=collector&kind=test&sort=endDate&order=asc",
      pattern: "/crm/licenses",
    });
    expect(await screen.findByText("Initech")).toBeTruthy();
    // Products by the catalog's name, the code on hover.
    expect((await screen.findByTitle("collector")).textContent).toBe("Collector");
    const list = api.requests.find((r) => r.path === "/api/licenses")!;
    expect(Object.fromEntries(list.query)).toEqual({
      status: "expiring,expired",
      product: "collector",
      kind: "test",
      sort: "endDate",
      order: "asc",
      limit: "50",
    });
    const exportLink = screen.getByRole("link", { name: "Export CSV" }).getAttribute("href")!;
    expect(exportLink.startsWith("/api/licenses/export.csv?")).toBe(true);
    expect(Object.fromEntries(new URL(exportLink, "http://x").searchParams)).toEqual({
      sort: "endDate",
      order: "asc",
      product: "collector",
      kind: "test",
      status: "expiring,expired",
    });
    // The count takes the filters without sort or page; past the issuer's limit it says so.
    expect(await screen.findByText("10,000+ licenses match")).toBeTruthy();
    const count = api.requests.find((r) => r.path === "/api/licenses/count")!;
    expect(Object.fromEntries(count.query)).toEqual({
      status: "expiring,expired",
      product: "collector",
      kind: "test",
    });
    // A viewer reads and exports, but creates nothing.
    expect(screen.queryByRole("link", { name: "New license" })).toBeNull();

    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(api.requests.at(-1)?.query.get("cursor")).toBe("c2"));
  });

  it("writes a filter typed in the page to the URL, keeping the others, and asks for it", async () => {
    const api = fakeApi((request) =>
      request.path === "/api/licenses/count"
        ? { status: 200, body: { count: 1, capped: false } }
        : {
            status: 200,
            body: { items: request.path === "/api/licenses" ? [license] : [], nextCursor: null },
          },
    );
    const { router } = renderPage(<LicensesPage />, {
      session: sessionFor(["viewer"]),
      path: "/crm/licenses?kind=test",
      pattern: "/crm/licenses",
    });
    await screen.findByText("Initech");
    expect(await screen.findByText("1 license matches")).toBeTruthy();
    const user = userEvent.setup();
    await user.type(screen.getByRole("searchbox", { name: "Search" }), "7K3QD");
    await waitFor(() => expect(router.state.location.search).toBe("?text=7K3QD&kind=test"));
    await waitFor(() =>
      expect(Object.fromEntries(api.requests.at(-1)!.query)).toMatchObject({ text: "7K3QD", kind: "test" }),
    );
  });

  it("keeps the columns an operator chose, per user", async () => {
    fakeApi((request) =>
      request.path === "/api/licenses/count"
        ? { status: 200, body: { count: 1, capped: false } }
        : {
            status: 200,
            body: { items: request.path === "/api/licenses" ? [license] : [], nextCursor: null },
          },
    );
    renderPage(<LicensesPage />, { session: sessionFor(["viewer"]), path: "/crm/licenses" });
    await screen.findByText("Initech");
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Choose columns" }));
    await user.click(await screen.findByRole("checkbox", { name: "Seats" }));
    await user.click(screen.getByRole("checkbox", { name: "Products" }));
    const stored = JSON.parse(
      localStorage.getItem("licensing:licenses-columns:usr_01JD6X8Q0V4N3ZP8E4E3W1T9QK")!,
    );
    expect(stored).toContain("products");
    expect(stored).not.toContain("seats");
  });
});

describe("a license's page", () => {
  function licenseApi(shown: LicenseDetail = license) {
    let current = shown;
    return fakeApi((request) => {
      if (request.path.endsWith("/versions"))
        return {
          status: 200,
          body: {
            items: [
              {
                serial: 1,
                keyId: "k1",
                signedAt: license.signedAt,
                reason: "issued",
                endDate: null,
                createdBy: "usr_01JD6X8Q0V4N3ZP8E4E3W1T9QK",
                createdByName: "alice",
                size: 900,
              },
            ],
          },
        };
      if (request.path.endsWith("/audit")) return { status: 200, body: { items: [] } };
      if (request.path.endsWith("/reveal-key")) return { status: 200, body: { licenseKey: "LK-REVEALED" } };
      if (request.path.endsWith("/revoke"))
        current = { ...current, status: "revoked", state: "revoked", stateReason: "fraud" };
      return { status: 200, body: current };
    });
  }

  it("revokes only after a reason and a confirmation", async () => {
    const api = licenseApi();
    renderPage(<LicensePage />, {
      session: sessionFor(["license-admin"]),
      path: `/crm/licenses/${license.id}`,
      pattern: "/crm/licenses/:id",
    });
    const user = userEvent.setup();
    expect(await screen.findByRole("link", { name: "Download file" })).toBeTruthy();
    expect((await screen.findByRole("link", { name: /Download \(0\.9 KB\)/ })).getAttribute("href")).toBe(
      `/api/licenses/${license.id}/versions/1/file`,
    );
    await user.click(screen.getByRole("button", { name: "Revoke" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Revoke" }));
    expect(await within(dialog).findByText(/must say why/)).toBeTruthy();
    expect(api.requests.filter((r) => r.path.endsWith("/revoke"))).toHaveLength(0);
    await user.type(within(dialog).getByLabelText(/^Reason/), "fraud");
    await user.click(within(dialog).getByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(api.requests.filter((r) => r.path.endsWith("/revoke"))).toHaveLength(1));
    expect(api.requests.find((r) => r.path.endsWith("/revoke"))?.body).toEqual({ reason: "fraud" });
  });

  it("shows where the license was created, or says it was not recorded", async () => {
    licenseApi();
    renderPage(<LicensePage />, {
      session: sessionFor(["viewer"]),
      path: `/crm/licenses/${license.id}`,
      pattern: "/crm/licenses/:id",
    });
    expect(await screen.findByText("SALES-PC-07")).toBeTruthy();
    expect(screen.getByText("Created at computer")).toBeTruthy();
    expect(screen.getByText("Owner IP address")).toBeTruthy();
    expect(screen.getByText("192.0.2.10")).toBeTruthy();
    // Viewers read the license, not its secrets: no key in clear, no signed file (`license.reveal`).
    expect(screen.queryByRole("button", { name: "Reveal key" })).toBeNull();
    expect(screen.queryByRole("link", { name: "Download file" })).toBeNull();
  });

  it("names who signed each version, and says when a restriction has no value", async () => {
    licenseApi({ ...license, friendlyRestrictions: [{ key: "Site", value: "" }] });
    renderPage(<LicensePage />, {
      session: sessionFor(["viewer"]),
      path: `/crm/licenses/${license.id}`,
      pattern: "/crm/licenses/:id",
    });
    const versions = await screen.findByRole("table");
    const signer = await within(versions).findByTitle("usr_01JD6X8Q0V4N3ZP8E4E3W1T9QK");
    expect(signer.textContent).toBe("alice");
    const restrictions = screen.getByRole("group", { name: "Friendly restrictions" });
    expect(within(restrictions).getByText("Site")).toBeTruthy();
    expect(within(restrictions).getByText("(no value)")).toBeTruthy();
  });

  it("shows a sales role renewal only, and reveals the key on request", async () => {
    const api = licenseApi();
    renderPage(<LicensePage />, {
      session: sessionFor(["sales"]),
      path: `/crm/licenses/${license.id}`,
      pattern: "/crm/licenses/:id",
    });
    const user = userEvent.setup();
    expect(await screen.findByRole("button", { name: "Renew" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Revoke|Suspend|Re-issue/ })).toBeNull();
    await user.click(screen.getByRole("button", { name: "Reveal key" }));
    expect(await screen.findByText("LK-REVEALED")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Renew" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Renew" }));
    await waitFor(() => expect(api.requests.filter((r) => r.path.endsWith("/renew"))).toHaveLength(1));
    expect(api.requests.find((r) => r.path.endsWith("/renew"))?.body).toMatchObject({
      extendDays: 365,
      idempotencyKey: expect.any(String),
    });
  });
});

describe("an account's Licenses tab", () => {
  it("lists the account's licenses, with a shortcut to generate one for it", async () => {
    const api = fakeApi((request) =>
      request.path === "/api/licenses"
        ? { status: 200, body: { items: [license], nextCursor: null } }
        : { status: 200, body: initech },
    );
    renderPage(<AccountPage />, {
      session: sessionFor(["sales"]),
      path: `/crm/accounts/${initech.id}?tab=licenses`,
      pattern: "/crm/accounts/:id",
    });
    expect(await screen.findByRole("link", { name: "…-7K3QD" })).toBeTruthy();
    expect(api.requests.find((r) => r.path === "/api/licenses")?.query.get("accountId")).toBe(initech.id);
    expect(screen.getByRole("link", { name: "New license" }).getAttribute("href")).toBe(
      `/crm/generator?accountId=${initech.id}`,
    );
  });

  it("offers a viewer no new license", async () => {
    fakeApi((request) =>
      request.path === "/api/licenses"
        ? { status: 200, body: { items: [license], nextCursor: null } }
        : { status: 200, body: initech },
    );
    renderPage(<AccountPage />, {
      session: sessionFor(["viewer"]),
      path: `/crm/accounts/${initech.id}?tab=licenses`,
      pattern: "/crm/accounts/:id",
    });
    expect(await screen.findByRole("link", { name: "…-7K3QD" })).toBeTruthy();
    expect(screen.queryByRole("link", { name: "New license" })).toBeNull();
  });
});

describe("the dashboard", () => {
  it("links each figure to the licenses it counts", async () => {
    fakeApi((request) => ({
      status: 200,
      body:
        request.path === "/api/usage/summary"
          ? usageSummary
          : request.path === "/api/products"
            ? { items: [collector] }
            : {
                total: 12,
                byStatus: [{ key: "expiring", count: 2 }],
                byKind: [
                  { key: "commercial", count: 9 },
                  { key: "test", count: 3 },
                ],
                byProduct: [{ key: "collector", count: 12 }],
                internal: 1,
                issuedPerDay: [],
                issuedPerWeek: [{ week: "2026-01-05", commercial: 9, test: 3 }],
                expiringWithin: { d30: 2, d60: 2, d90: 4 },
                expiringPerWeek: [{ week: "2026-01-12", count: 2 }],
                topAccounts: [{ accountId: initech.id, accountName: "Initech", count: 12 }],
                at: "2026-01-10T10:00:00.000Z",
              },
    }));
    renderPage(<DashboardPage />, { session: sessionFor(["viewer"]), path: "/crm/dashboard" });
    expect((await screen.findByRole("link", { name: "Test 3" })).getAttribute("href")).toBe(
      "/crm/licenses?kind=test",
    );
    expect(screen.getByRole("link", { name: "2 expiring" }).getAttribute("href")).toBe(
      "/crm/licenses?status=expiring",
    );
    expect(screen.getByRole("link", { name: "Initech" }).getAttribute("href")).toBe(
      `/crm/licenses?accountId=${initech.id}`,
    );
    // The donut's key names the product as the catalog does, and links by its code.
    const key = screen.getByRole("table", { name: "Licenses by product" });
    expect((await within(key).findByRole("link", { name: "Collector" })).getAttribute("href")).toBe(
      "/crm/licenses?product=collector",
    );
    const ending = screen
      .getByRole("link", { name: "Ending ≤ 90 days 4 2 within 60 days" })
      .getAttribute("href")!;
    expect(ending).toMatch(
      /status=active%2Cexpiring&endFrom=\d{4}-\d\d-\d\d&endTo=\d{4}-\d\d-\d\d&sort=endDate&order=asc/,
    );
  });
});
