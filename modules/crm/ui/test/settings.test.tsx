// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import { fakeApi, renderPage, sessionFor } from "@licensing/ui/test-support";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EditPresetPage, NewPresetPage } from "../src/settings/PresetEditPage.tsx";
import { collector, testPreset } from "./fixtures.ts";

afterEach(() => vi.unstubAllGlobals());

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
      // Test brings the product's test defaults, which the issuer applies to a test license too:
      // the preset keeps following them.
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
