// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import type { Product } from "@licensing/contracts";
import { fakeApi, renderPage, sessionFor } from "@licensing/ui/test-support";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EditProductPage, NewProductPage } from "../src/products/ProductEditPage.tsx";

afterEach(() => vi.unstubAllGlobals());

const collector: Product = {
  code: "collector",
  name: "Collector",
  executionModes: [
    { code: "online", name: "Online" },
    { code: "offline", name: "Offline" },
  ],
  customFeatures: [{ code: "export", name: "Export" }],
  unitsTypes: [],
  defaultNotifyDays: 30,
  defaults: {
    kind: "commercial",
    durationDays: 365,
    unitsType: null,
    accumulatedUnits: -1,
    unitsPerExecution: -1,
    availableActivations: 1,
    executionModes: ["online", "offline"],
    customFeatures: [],
    seats: 0,
  },
  testDefaults: { durationDays: 30, notifyDays: 7 },
  version: 4,
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-01-05T10:00:00.000Z",
};

describe("a product", () => {
  it("is created with its modes, and its defaults offer only those modes", async () => {
    const api = fakeApi((request) => ({ status: 201, body: { ...collector, ...(request.body as object) } }));
    renderPage(<NewProductPage />, {
      session: sessionFor(["license-admin"]),
      path: "/settings/products/new",
    });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText(/^Code/), "scanner");
    await user.type(screen.getByLabelText(/^Name/), "Scanner");
    await user.click(screen.getByRole("button", { name: "Add mode" }));
    await user.type(screen.getByLabelText("mode 1 code"), "batch");
    await user.type(screen.getByLabelText("mode 1 name"), "Batch");
    await user.click(screen.getByRole("textbox", { name: "Execution modes" }));
    const options = await screen.findAllByRole("option");
    expect(options.map((o) => o.textContent)).toEqual(["Batch (batch)"]);
    await user.click(options[0]!);
    await user.click(screen.getByRole("button", { name: "Create product" }));
    await waitFor(() => expect(api.requests).toHaveLength(1));
    expect(api.requests[0]?.body).toMatchObject({
      code: "scanner",
      name: "Scanner",
      executionModes: [{ code: "batch", name: "Batch" }],
      defaults: { executionModes: ["batch"], durationDays: 365, availableActivations: 1 },
    });
  });

  it("drops a removed mode from the defaults and saves with the version it was loaded at", async () => {
    const api = fakeApi((request) => ({
      status: 200,
      body: request.method === "GET" ? collector : { ...collector, version: 5 },
    }));
    renderPage(<EditProductPage />, {
      session: sessionFor(["license-admin"]),
      path: "/settings/products/collector",
      pattern: "/settings/products/:code",
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Remove mode 2" }));
    await user.click(screen.getByRole("checkbox", { name: "No end date" }));
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(api.requests.filter((r) => r.method === "PATCH")).toHaveLength(1));
    const patch = api.requests.find((r) => r.method === "PATCH")!;
    expect(patch.path).toBe("/api/products/collector");
    expect(patch.body).toMatchObject({
      expectedVersion: 4,
      executionModes: [{ code: "online", name: "Online" }],
      defaults: { executionModes: ["online"], durationDays: null },
    });
  });

  it("edits the test licenses' duration and notice, refusing a notice as long as the test", async () => {
    const api = fakeApi((request) => ({
      status: 200,
      body: request.method === "GET" ? collector : { ...collector, version: 5 },
    }));
    renderPage(<EditProductPage />, {
      session: sessionFor(["license-admin"]),
      path: "/settings/products/collector",
      pattern: "/settings/products/:code",
    });
    const user = userEvent.setup();
    const duration = await screen.findByLabelText(/^Test duration \(days\)/);
    const notice = screen.getByLabelText(/^Test notice \(days\)/);
    expect((duration as HTMLInputElement).value).toBe("30");
    expect((notice as HTMLInputElement).value).toBe("7");
    await user.clear(duration);
    await user.type(duration, "14");
    await user.clear(notice);
    await user.type(notice, "14");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByText("must be shorter than the test license's duration")).toBeTruthy();
    expect(api.requests.filter((r) => r.method === "PATCH")).toHaveLength(0);
    await user.clear(notice);
    await user.type(notice, "3");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(api.requests.filter((r) => r.method === "PATCH")).toHaveLength(1));
    expect(api.requests.find((r) => r.method === "PATCH")!.body).toMatchObject({
      testDefaults: { durationDays: 14, notifyDays: 3 },
    });
  });

  it("is read-only, without delete, for a role that may only read products", async () => {
    fakeApi(() => ({ status: 200, body: collector }));
    renderPage(<EditProductPage />, {
      session: sessionFor(["viewer"]),
      path: "/settings/products/collector",
      pattern: "/settings/products/:code",
    });
    expect(await screen.findByText("Your role may read products but not change them.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Save|Delete|Add mode/ })).toBeNull();
    const group = screen.getByRole("group", { name: "Execution modes" });
    expect(within(group).getByLabelText("mode 1 code").matches(":disabled")).toBe(true);
  });
});
