// @vitest-environment jsdom
import "./support/dom.ts";
import { builtInRoles } from "@licensing/contracts";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RoleInfo } from "../src/kit/types.ts";
import { RolesPage } from "../src/pages/settings/RolesPage.tsx";
import { UsersPage } from "../src/pages/settings/UsersPage.tsx";
import { fakeApi, renderApp, renderPage, sessionFor } from "./support/render.tsx";

afterEach(() => vi.unstubAllGlobals());

const fieldSupport: RoleInfo = {
  name: "field-support",
  description: "Test licenses on site",
  builtIn: false,
  actions: ["account.read", "license.read", "license.create.test"],
  users: 2,
  version: 3,
  updatedAt: "2026-03-01T10:00:00.000Z",
};
const unheld: RoleInfo = {
  ...fieldSupport,
  name: "spare",
  description: "",
  actions: ["audit.read"],
  users: 0,
};
const builtIns: RoleInfo[] = builtInRoles.map((role) => ({ ...role, actions: [...role.actions], users: 1 }));

/** The cell of `action`'s row (by its words) under `role`'s column, in the role × action table. */
function cell(label: string, role: string): HTMLElement {
  const table = screen.getByRole("table", { name: "What each role allows" });
  const headers = within(table)
    .getAllByRole("columnheader")
    .map((h) => h.textContent);
  const row = within(table)
    .getByRole("rowheader", { name: new RegExp(`^${label}`) })
    .closest("tr")!;
  return row.children[headers.indexOf(role)] as HTMLElement;
}

describe("the roles page", () => {
  it("shows every role and, by area, what each allows in words", async () => {
    fakeApi(() => ({ status: 200, body: { items: [...builtIns, fieldSupport] } }));
    renderPage(<RolesPage />, { session: sessionFor(["superadmin"]), path: "/settings/roles" });
    expect(await screen.findByRole("table", { name: "What each role allows" })).toBeTruthy();
    const list = within(screen.getByTestId("role-field-support"));
    expect(list.getByText("Custom")).toBeTruthy();
    expect(list.getByText("Test licenses on site")).toBeTruthy();
    expect(within(screen.getByTestId("role-viewer")).getByText("Built-in")).toBeTruthy();
    for (const area of [
      "Accounts and products",
      "Licenses",
      "Presets, dashboard and usage",
      "Administration",
    ])
      expect(screen.getByRole("rowheader", { name: area })).toBeTruthy();
    const reveal = "Reveal license keys and download signed license files";
    expect(cell(reveal, "viewer").textContent).toBe("Not allowed");
    expect(cell(reveal, "license-admin").textContent).toBe("Allowed");
    expect(cell(reveal, "field-support").textContent).toBe("Not allowed");
    expect(cell("Generate test licenses", "field-support").textContent).toBe("Allowed");
    expect(cell("Read the audit log", "auditor").textContent).toBe("Allowed");
    // Built-in roles are fixed: only custom ones have changes to offer.
    expect(screen.queryByRole("button", { name: "Changes to viewer" })).toBeNull();
    expect(screen.getByRole("button", { name: "Changes to field-support" })).toBeTruthy();
  });

  it("defines a custom role from the permission list, checking the name first", {
    timeout: 60_000,
  }, async () => {
    const roles = [...builtIns];
    const api = fakeApi((request) => {
      if (request.method === "POST") {
        const created = { ...(request.body as RoleInfo), builtIn: false, users: 0, version: 1 };
        roles.push(created);
        return { status: 201, body: created };
      }
      return { status: 200, body: { items: roles } };
    });
    renderPage(<RolesPage />, { session: sessionFor(["superadmin"]), path: "/settings/roles" });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "New role" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Create role" }));
    expect(await within(dialog).findByText("Enter a name")).toBeTruthy();
    expect(within(dialog).getByText("Choose at least one action")).toBeTruthy();
    const name = within(dialog).getByRole("textbox", { name: /^Name/ });
    await user.type(name, "viewer");
    await user.click(within(dialog).getByRole("button", { name: "Create role" }));
    expect(await within(dialog).findByText(/viewer is a built-in role/)).toBeTruthy();
    await user.clear(name);
    await user.type(name, "Field Support");
    await user.click(within(dialog).getByRole("button", { name: "Create role" }));
    expect(await within(dialog).findByText(/Use lower-case letters, digits and hyphens/)).toBeTruthy();
    await user.clear(name);
    await user.type(name, "field-support");
    await user.type(within(dialog).getByRole("textbox", { name: "Description" }), "Test licenses on site");
    await user.click(within(dialog).getByRole("checkbox", { name: /Generate test licenses/ }));
    await user.click(within(dialog).getByRole("checkbox", { name: /See licenses/ }));
    await user.click(within(dialog).getByRole("button", { name: "Create role" }));
    await waitFor(() => expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(1));
    expect(api.requests.find((r) => r.method === "POST")).toMatchObject({
      path: "/api/roles",
      body: {
        name: "field-support",
        description: "Test licenses on site",
        actions: ["license.create.test", "license.read"],
      },
    });
    expect(await screen.findByText("Role field-support was created.")).toBeTruthy();
    expect(await screen.findByTestId("role-field-support")).toBeTruthy();
  });

  it("edits a custom role's actions with its version, and keeps its name", async () => {
    const api = fakeApi((request) =>
      request.method === "PATCH"
        ? { status: 200, body: { ...fieldSupport, actions: ["account.read"], version: 4 } }
        : { status: 200, body: { items: [...builtIns, fieldSupport] } },
    );
    renderPage(<RolesPage />, { session: sessionFor(["superadmin"]), path: "/settings/roles" });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Changes to field-support" }));
    await user.click(await screen.findByRole("menuitem", { name: "Edit" }));
    const dialog = await screen.findByRole("dialog");
    expect((within(dialog).getByRole("textbox", { name: /^Name/ }) as HTMLInputElement).disabled).toBe(true);
    expect(within(dialog).getByText(/2 user\(s\) hold this role/)).toBeTruthy();
    await user.click(within(dialog).getByRole("checkbox", { name: /See licenses/ }));
    await user.click(within(dialog).getByRole("checkbox", { name: /Generate test licenses/ }));
    await user.click(within(dialog).getByRole("button", { name: "Save role" }));
    await waitFor(() => expect(api.requests.filter((r) => r.method === "PATCH")).toHaveLength(1));
    expect(api.requests.find((r) => r.method === "PATCH")).toMatchObject({
      path: "/api/roles/field-support",
      body: { description: "Test licenses on site", actions: ["account.read"], expectedVersion: 3 },
    });
  });

  it("lets a user manager choose only actions their own roles allow", async () => {
    fakeApi(() => ({ status: 200, body: { items: builtIns } }));
    const session = sessionFor(["superadmin"]);
    session.permissions = ["user.manage", "account.read"];
    renderPage(<RolesPage />, { session, path: "/settings/roles" });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "New role" }));
    const dialog = await screen.findByRole("dialog");
    expect(
      (within(dialog).getByRole("checkbox", { name: /See accounts/ }) as HTMLInputElement).disabled,
    ).toBe(false);
    expect(
      (within(dialog).getByRole("checkbox", { name: /Revoke licenses/ }) as HTMLInputElement).disabled,
    ).toBe(true);
  });

  it("deletes a role nobody holds after a confirmation, and says what to do with one still held", async () => {
    const api = fakeApi((request) =>
      request.method === "DELETE"
        ? { status: 204 }
        : { status: 200, body: { items: [...builtIns, fieldSupport, unheld] } },
    );
    renderPage(<RolesPage />, { session: sessionFor(["superadmin"]), path: "/settings/roles" });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Changes to field-support" }));
    await user.click(await screen.findByRole("menuitem", { name: "Delete" }));
    const held = await screen.findByRole("dialog", { name: "field-support cannot be deleted" });
    expect(within(held).getByText(/2 user\(s\) hold field-support/)).toBeTruthy();
    expect(within(held).queryByRole("button", { name: /Delete/ })).toBeNull();
    // Every dialog's × has a name (the theme's), beside the dialog's own Close.
    expect(within(held).getByRole("button", { name: "Close dialog" })).toBeTruthy();
    await user.click(within(held).getByRole("button", { name: "Close" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    await user.click(screen.getByRole("button", { name: "Changes to spare" }));
    await user.click(await screen.findByRole("menuitem", { name: "Delete" }));
    const confirm = await screen.findByRole("dialog", { name: "Delete role spare?" });
    await user.click(within(confirm).getByRole("button", { name: "Delete role" }));
    await waitFor(() =>
      expect(api.requests.find((r) => r.method === "DELETE")?.path).toBe("/api/roles/spare"),
    );
    expect(await screen.findByText("Role spare was deleted.")).toBeTruthy();
  });

  it("offers custom roles in the users page's role picker", async () => {
    const api = fakeApi((request) =>
      request.path === "/api/roles"
        ? { status: 200, body: { items: [...builtIns, fieldSupport] } }
        : request.method === "POST"
          ? { status: 400, body: { code: "forbidden", message: "no", requestId: "req_1" } }
          : { status: 200, body: { items: [] } },
    );
    renderPage(<UsersPage />, { session: sessionFor(["superadmin"]), path: "/settings/users" });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "New user" }));
    const dialog = await screen.findByRole("dialog");
    const custom = await within(dialog).findByRole("checkbox", { name: /field-support \(custom\)/ });
    await user.type(within(dialog).getByLabelText(/Username/), "carol");
    await user.click(custom);
    await user.click(within(dialog).getByRole("button", { name: "Create user" }));
    await waitFor(() =>
      expect(api.requests.find((r) => r.method === "POST")?.body).toEqual({
        username: "carol",
        roles: ["field-support"],
      }),
    );
  });

  it("opens for user managers only", async () => {
    fakeApi((request) =>
      request.path === "/api/auth/session"
        ? { status: 200, body: sessionFor(["license-admin"]) }
        : { status: 200, body: { items: builtIns } },
    );
    renderApp("/settings/roles", null);
    expect(await screen.findByRole("heading", { name: "No access" })).toBeTruthy();
    vi.unstubAllGlobals();
    fakeApi((request) =>
      request.path === "/api/auth/session"
        ? { status: 200, body: sessionFor(["superadmin"]) }
        : { status: 200, body: { items: builtIns } },
    );
    renderApp("/settings/roles", null);
    expect(await screen.findByRole("heading", { name: "Roles" })).toBeTruthy();
  });
});
