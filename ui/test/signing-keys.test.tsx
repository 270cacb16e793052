// @vitest-environment jsdom
import "./support/dom.ts";
import type { SigningKey } from "@licensing/contracts";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SigningKeysPage } from "../src/pages/settings/SigningKeysPage.tsx";
import { fakeApi, renderApp, renderPage, sessionFor } from "./support/render.tsx";

afterEach(() => vi.unstubAllGlobals());

const keys: SigningKey[] = [
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

describe("the signing keys page", () => {
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

  it("is in the menu and opens in a build without the CRM module", async () => {
    const session = {
      ...sessionFor(["license-admin"]),
      modules: { crm: { packaged: false, active: false, activation: null } },
    };
    fakeApi((request) => {
      if (request.path === "/api/auth/session") return { status: 200, body: session };
      if (request.path === "/api/signing-keys") return { status: 200, body: { items: keys } };
      return { status: 404, body: { code: "not_found", message: "nothing", requestId: "req_a" } };
    });
    renderApp("/settings/signing-keys", null);
    const menu = await screen.findByRole("navigation", { name: "Main menu" });
    expect(within(menu).getByRole("link", { name: /Signing keys/ })).toBeTruthy();
    expect(await screen.findByRole("heading", { name: "Signing keys" })).toBeTruthy();
    expect(await screen.findByText("pub-two")).toBeTruthy();
  });
});
