// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import type { LicenseDetail } from "@licensing/contracts";
import { fakeApi, type Recorded, renderPage, sessionFor } from "@licensing/ui/test-support";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AmendPage } from "../src/licenses/AmendPage.tsx";
import { amendmentBody, cloneValues, licenseToValues } from "../src/licenses/amendment.ts";
import { GeneratorPage } from "../src/licenses/GeneratorPage.tsx";
import { LicensePage } from "../src/licenses/LicensePage.tsx";
import { cockpit, collector, initech, issued, license } from "./fixtures.ts";

afterEach(() => vi.unstubAllGlobals());
beforeEach(() => localStorage.clear());

/** The API the amend page, the license page and the generator talk to. */
function amendApi(
  amend: (request: Recorded) => { status: number; body?: unknown } = (request) => ({
    status: 200,
    body: { ...license, ...(request.body as object), serial: 2 },
  }),
  current: LicenseDetail = license,
) {
  return fakeApi((request) => {
    if (request.path === "/api/products") return { status: 200, body: { items: [collector, cockpit] } };
    if (request.path === "/api/presets") return { status: 200, body: { items: [] } };
    if (request.path === "/api/accounts")
      return { status: 200, body: { items: [initech], nextCursor: null } };
    if (request.path === `/api/accounts/${initech.id}`) return { status: 200, body: initech };
    if (request.path.endsWith("/amend")) return amend(request);
    if (request.path === "/api/licenses" && request.method === "POST")
      return {
        status: 201,
        body: { batchId: null, licenses: [issued({ id: "lic_01JD6X8Q0V4N3ZP8E4E3W1CLON" })] },
      };
    if (request.path.endsWith("/versions")) return { status: 200, body: { items: [] } };
    if (request.path.endsWith("/audit")) return { status: 200, body: { items: [] } };
    if (request.path === `/api/licenses/${current.id}`) return { status: 200, body: current };
    return { status: 404, body: { code: "not_found", message: "no", requestId: "req_x" } };
  });
}

const amendPath = `/crm/licenses/${license.id}/amend`;
const value = (label: RegExp) => (screen.getByLabelText(label) as HTMLInputElement).value;

describe("amending a license", () => {
  it("starts from the license, sends only what changed, and opens the license on the outcome", async () => {
    const api = amendApi();
    const { router } = renderPage(<AmendPage />, {
      session: sessionFor(["sales"]),
      path: amendPath,
      pattern: "/crm/licenses/:id/amend",
    });
    const user = userEvent.setup();
    expect(await screen.findByRole("heading", { name: "Amend license …-7K3QD" })).toBeTruthy();
    expect(value(/^Available activations/)).toBe("3");
    // What an amendment does not change is shown, not editable.
    expect((screen.getByRole("radio", { name: "Commercial" }) as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByLabelText(/^Fingerprint/).matches(":disabled")).toBe(true);
    expect(screen.queryByRole("radio", { name: "Duration" })).toBeNull();

    await user.clear(screen.getByLabelText(/^Available activations/));
    await user.type(screen.getByLabelText(/^Available activations/), "5");
    await user.click(screen.getByRole("textbox", { name: /^Products/ }));
    await user.click(await screen.findByRole("option", { name: "Cockpit (cockpit)" }));
    await user.type(screen.getByLabelText(/^Reason/), "Upsell");
    await user.click(screen.getByRole("button", { name: "Sign amended version" }));

    await waitFor(() => expect(router.state.location.pathname).toBe(`/crm/licenses/${license.id}`));
    expect(router.state.location.state).toEqual({
      amended: { serial: 2, what: "products, activations" },
    });
    const posts = api.requests.filter((r) => r.path.endsWith("/amend"));
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body).toEqual({
      products: ["collector", "cockpit"],
      availableActivations: 5,
      reason: "Upsell",
      idempotencyKey: expect.stringMatching(/^ui-/),
    });
  });

  it("says nothing changed, where the user looks, and sends nothing", async () => {
    const api = amendApi();
    renderPage(<AmendPage />, {
      session: sessionFor(["sales"]),
      path: amendPath,
      pattern: "/crm/licenses/:id/amend",
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Sign amended version" }));
    const summary = await screen.findByRole("alert");
    expect(summary.textContent).toMatch(/the amendment changes nothing/);
    await waitFor(() => expect(document.activeElement).toBe(summary));
    expect(screen.getByRole("status").textContent).toMatch(/^The license was not amended/);
    expect(api.requests.filter((r) => r.path.endsWith("/amend"))).toHaveLength(0);
  });

  it("puts the issuer's refusal on the field, focuses it and announces it", async () => {
    amendApi(() => ({
      status: 400,
      body: {
        code: "validation_failed",
        message: "Invalid request",
        requestId: "req_x",
        details: {
          issues: [{ path: "availableActivations", message: "is below the 2 machines activated now" }],
        },
      },
    }));
    renderPage(<AmendPage />, {
      session: sessionFor(["license-admin"]),
      path: amendPath,
      pattern: "/crm/licenses/:id/amend",
    });
    const user = userEvent.setup();
    const activations = await screen.findByLabelText(/^Available activations/);
    await user.clear(activations);
    await user.type(activations, "1");
    await user.click(screen.getByRole("button", { name: "Sign amended version" }));
    expect(await screen.findByText(/below the 2 machines activated now/)).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText(/^Available activations/)));
    expect(screen.getByRole("status").textContent).toBe(
      "The license was not amended: one field needs correcting.",
    );
  });

  it("builds the body from the form: the end as a day, metadata whole, nothing unchanged", () => {
    const before = licenseToValues(license);
    expect(amendmentBody(before, before)).toEqual({});
    expect(
      amendmentBody(before, {
        ...before,
        endMode: "date",
        endDate: "2027-06-30",
        metadata: [...before.metadata, { key: "region", value: "EU" }],
      }),
    ).toEqual({
      endDate: new Date(2027, 5, 30).toISOString(),
      metadata: { po: "PO-1", region: "EU" },
    });
    expect(amendmentBody(before, { ...before, endMode: "none", endDate: null })).toEqual({ endDate: null });
  });
});

describe("a license's page after an amendment", () => {
  it("offers Amend and Clone by role", async () => {
    amendApi();
    renderPage(<LicensePage />, {
      session: sessionFor(["sales"]),
      path: `/crm/licenses/${license.id}`,
      pattern: "/crm/licenses/:id",
    });
    expect((await screen.findByRole("link", { name: "Amend" })).getAttribute("href")).toBe(amendPath);
    expect(screen.getByRole("link", { name: "Clone as new license" }).getAttribute("href")).toBe(
      `/crm/generator?from=${license.id}`,
    );
  });

  it("offers a support role the clone (a test license) but no amendment, a viewer neither", async () => {
    amendApi();
    const view = renderPage(<LicensePage />, {
      session: sessionFor(["support"]),
      path: `/crm/licenses/${license.id}`,
      pattern: "/crm/licenses/:id",
    });
    expect(await screen.findByRole("link", { name: "Clone as new license" })).toBeTruthy();
    expect(screen.queryByRole("link", { name: "Amend" })).toBeNull();
    view.unmount();
    renderPage(<LicensePage />, {
      session: sessionFor(["viewer"]),
      path: `/crm/licenses/${license.id}`,
      pattern: "/crm/licenses/:id",
    });
    // A viewer reads the license: no amendment, no clone, and no signed file (`license.reveal`).
    expect(await screen.findByRole("heading", { name: /^License …-/ })).toBeTruthy();
    expect(screen.queryByRole("link", { name: /Amend|Clone|Download file/ })).toBeNull();
  });

  it("shows the outcome focused and announced", async () => {
    amendApi(undefined, { ...license, serial: 2 });
    const { router } = renderPage(<LicensePage />, {
      session: sessionFor(["sales"]),
      path: "/elsewhere",
      pattern: "/crm/licenses/:id",
    });
    await router.navigate(`/crm/licenses/${license.id}`, {
      state: { amended: { serial: 2, what: "activations" } },
    });
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText(/Version 2 is signed with the new activations/)).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(alert));
    expect(screen.getByRole("status").textContent).toMatch(/^The license was amended/);
  });
});

describe("cloning a license", () => {
  it("opens the generator filled from the license, for a new license from today", async () => {
    const api = amendApi();
    renderPage(<GeneratorPage />, {
      session: sessionFor(["sales"]),
      path: `/crm/generator?from=${license.id}`,
      pattern: "/crm/generator",
    });
    const user = userEvent.setup();
    expect(await screen.findByText("Prefilled from license …-7K3QD")).toBeTruthy();
    expect(await screen.findByText("Initech")).toBeTruthy();
    expect(value(/^Available activations/)).toBe("3");
    expect(value(/^Duration \(days\)/)).toBe("365");
    await user.click(screen.getByRole("button", { name: "Generate license" }));
    await screen.findByRole("region", { name: "License created" });
    const body = api.requests.find((r) => r.path === "/api/licenses" && r.method === "POST")?.body;
    expect(body).toMatchObject({
      accountId: license.accountId,
      products: ["collector"],
      kind: "commercial",
      durationDays: 365,
      availableActivations: 3,
      accumulatedUnits: 1_000_000,
      executionModes: ["scanning"],
      metadata: { po: "PO-1" },
    });
    expect(body).not.toHaveProperty("startDate");
  });

  it("lasts as long as the original, or has no end like it", () => {
    expect(cloneValues(license)).toMatchObject({ startDate: null, endMode: "duration", durationDays: 365 });
    expect(cloneValues({ ...license, endDate: null })).toMatchObject({ endMode: "none" });
  });
});
