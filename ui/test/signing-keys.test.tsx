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
    keyId: "r1",
    role: "release",
    publicKey: "pub-release",
    status: "active",
    createdAt: "2026-02-01T00:00:00.000Z",
    retiredAt: null,
  },
  {
    keyId: "k2",
    role: "license",
    publicKey: "pub-two",
    status: "active",
    createdAt: "2026-02-01T00:00:00.000Z",
    retiredAt: null,
  },
  {
    keyId: "k1",
    role: "license",
    publicKey: "pub-one",
    status: "retired",
    createdAt: "2026-01-01T00:00:00.000Z",
    retiredAt: "2026-02-01T00:00:00.000Z",
  },
];

describe("the signing keys page", () => {
  it("lists each role's active and retired keys, and rotates one role after a confirmation, for a superadmin", async () => {
    const api = fakeApi((request) =>
      request.method === "POST"
        ? { status: 200, body: { ...keys[0], keyId: "r2" } }
        : { status: 200, body: { items: keys } },
    );
    renderPage(<SigningKeysPage />, { session: sessionFor(["superadmin"]), path: "/settings/signing-keys" });
    const user = userEvent.setup();
    const licenseKeys = await screen.findByRole("region", { name: "License keys" });
    expect(within(licenseKeys).getByText("pub-two")).toBeTruthy();
    expect(within(licenseKeys).getByText("retired")).toBeTruthy();
    expect(within(licenseKeys).queryByText("pub-release")).toBeNull();
    const releaseKeys = screen.getByRole("region", { name: "Release keys" });
    expect(within(releaseKeys).getByText("pub-release")).toBeTruthy();
    await user.click(within(releaseKeys).getByRole("button", { name: "Rotate release key" }));
    await user.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Rotate" }));
    await waitFor(() => expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(1));
    expect(api.requests.find((r) => r.method === "POST")).toMatchObject({
      path: "/api/signing-keys/rotate",
      body: { role: "release" },
    });
    expect(await screen.findByText("Key r2 now signs release indexes.")).toBeTruthy();
  });

  it("offers no rotation to a license admin, who may only read them", async () => {
    fakeApi(() => ({ status: 200, body: { items: keys } }));
    renderPage(<SigningKeysPage />, {
      session: sessionFor(["license-admin"]),
      path: "/settings/signing-keys",
    });
    expect(await screen.findByText("pub-one")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /^Rotate/ })).toBeNull();
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
