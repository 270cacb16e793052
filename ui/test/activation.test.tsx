// @vitest-environment jsdom
import "./support/dom.ts";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ActivationPage } from "../src/pages/settings/ActivationPage.tsx";
import { fakeApi, renderPage, sessionFor } from "./support/render.tsx";

afterEach(() => vi.unstubAllGlobals());

const licenseFile = "-----BEGIN LICENSE FILE-----\nabc\n-----END LICENSE FILE-----";
const notActive = { crm: { packaged: true, active: false, activation: null } };

describe("the activation page", () => {
  it("activates with a license loaded from its file", async () => {
    const api = fakeApi((request) =>
      request.method === "PUT" ? { status: 200, body: notActive.crm } : { status: 200, body: notActive },
    );
    renderPage(<ActivationPage />, { session: sessionFor(["superadmin"]), path: "/settings/activation" });
    const user = userEvent.setup();
    const field = await screen.findByLabelText(/^Activation license/);
    const input = document.querySelector('input[type="file"]') as HTMLInputElement;
    await user.upload(input, new File([licenseFile], "crm.lic", { type: "text/plain" }));
    await waitFor(() => expect(field).toHaveProperty("value", licenseFile));
    await user.click(screen.getByRole("button", { name: "Activate" }));
    await waitFor(() => expect(api.requests.filter((r) => r.method === "PUT")).toHaveLength(1));
    expect(api.requests.find((r) => r.method === "PUT")).toMatchObject({
      path: "/api/modules/crm/activation",
      body: { licenseFile },
    });
  });

  it("says what a pasted text lacks before sending it", async () => {
    const api = fakeApi(() => ({ status: 200, body: notActive }));
    renderPage(<ActivationPage />, { session: sessionFor(["superadmin"]), path: "/settings/activation" });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/^Activation license/), "not a license");
    await user.click(screen.getByRole("button", { name: "Activate" }));
    expect(
      await screen.findByText("An activation license starts with -----BEGIN LICENSE FILE-----"),
    ).toBeTruthy();
    expect(api.requests.filter((r) => r.method === "PUT")).toHaveLength(0);
  });
});
