// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import { fakeApi, renderPage, sessionFor } from "@licensing/ui/test-support";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EditPresetPage, NewPresetPage } from "../src/settings/PresetEditPage.tsx";
import { SigningKeysPage } from "../src/settings/SigningKeysPage.tsx";
import { collector, testPreset } from "./fixtures.ts";

afterEach(() => vi.unstubAllGlobals());

const keys = [
  {
    keyId: "k2",
    publicKey: "pub-two",
    status: "active",
    createdAt: "2026-02-01T00:00:00.000Z",
    retiredAt: null,
  },
  {
    keyId: "k1",
    publicKey: "pub-one",
    status: "retired",
    createdAt: "2026-01-01T00:00:00.000Z",
    retiredAt: "2026-02-01T00:00:00.000Z",
  },
];

describe("presets", () => {
  it("saves only what differs from the main product's defaults", async () => {
    const api = fakeApi((request) => {
      if (request.path === "/api/products") return { status: 200, body: { items: [collector] } };
      return { status: 201, body: { ...testPreset, ...(request.body as object) } };
    });
    renderPage(<NewPresetPage />, { session: sessionFor(["license-admin"]), path: "/settings/presets/new" });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/^Name/), "Cockpit trial");
    await user.click(screen.getByRole("textbox", { name: /^Products/ }));
    await user.click(await screen.findByRole("option", { name: "Collector (collector)" }));
    await user.click(screen.getByRole("radio", { name: "Test" }));
    await user.click(screen.getByRole("button", { name: "Create preset" }));
    await waitFor(() => expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(1));
    expect(api.requests.find((r) => r.method === "POST")?.body).toEqual({
      name: "Cockpit trial",
      description: "",
      parameters: { products: ["collector"], kind: "test" },
    });
  });

  it("is read-only for a role that may only read presets", async () => {
    fakeApi((request) => ({
      status: 200,
      body: { items: request.path === "/api/products" ? [collector] : [testPreset] },
    }));
    renderPage(<EditPresetPage />, {
      session: sessionFor(["sales"]),
      path: `/settings/presets/${testPreset.id}`,
      pattern: "/settings/presets/:id",
    });
    expect(await screen.findByText("Your role may read presets but not change them.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Save|Delete/ })).toBeNull();
    expect((screen.getByRole("textbox", { name: /^Duration \(days\)/ }) as HTMLInputElement).value).toBe(
      "30",
    );
  });
});

describe("signing keys", () => {
  it("lists active and retired keys, and rotates after a confirmation, for a superadmin", async () => {
    const api = fakeApi((request) =>
      request.method === "POST"
        ? { status: 200, body: { ...keys[0], keyId: "k3" } }
        : { status: 200, body: { items: keys } },
    );
    renderPage(<SigningKeysPage />, { session: sessionFor(["superadmin"]), path: "/settings/signing-keys" });
    const user = userEvent.setup();
    expect(await screen.findByText("pub-two")).toBeTruthy();
    expect(screen.getByText("retired")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Rotate key" }));
    await user.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Rotate" }));
    await waitFor(() => expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(1));
    expect(api.requests.find((r) => r.method === "POST")?.path).toBe("/api/signing-keys/rotate");
  });

  it("offers no rotation to a license admin, who may only read them", async () => {
    fakeApi(() => ({ status: 200, body: { items: keys } }));
    renderPage(<SigningKeysPage />, {
      session: sessionFor(["license-admin"]),
      path: "/settings/signing-keys",
    });
    expect(await screen.findByText("pub-one")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Rotate key" })).toBeNull();
  });
});
