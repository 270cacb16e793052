// @vitest-environment jsdom
import "./support/dom.ts";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { User } from "../src/kit/types.ts";
import { UsersPage } from "../src/pages/settings/UsersPage.tsx";
import { fakeApi, renderPage, sessionFor } from "./support/render.tsx";

afterEach(() => vi.unstubAllGlobals());

const bob: User = {
  id: "usr_01JD6X8Q0V4N3ZP8E4E3W1T9QZ",
  username: "bob",
  roles: ["sales"],
  disabled: false,
  mustChangePassword: false,
  createdAt: "2026-01-05T10:00:00.000Z",
};

describe("the users page", () => {
  it("creates a user with roles and shows the temporary password once", async () => {
    const users = [bob];
    const api = fakeApi((request) => {
      if (request.method === "POST") {
        const created = {
          ...bob,
          id: "usr_01JD6X8Q0V4N3ZP8E4E3W1T9QA",
          username: "carol",
          roles: ["support"],
        } as User;
        users.push(created);
        return { status: 201, body: { user: created, temporaryPassword: "tmp-Xy7-pass-0123" } };
      }
      return { status: 200, body: { items: users } };
    });
    renderPage(<UsersPage />, { session: sessionFor(["superadmin"]), path: "/settings/users" });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "New user" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Create user" }));
    expect(await within(dialog).findByText("Give at least one role")).toBeTruthy();
    await user.type(within(dialog).getByLabelText(/Username/), "carol");
    await user.click(within(dialog).getByRole("checkbox", { name: /support/ }));
    await user.click(within(dialog).getByRole("button", { name: "Create user" }));
    expect((await screen.findByTestId("temporary-password")).textContent).toBe("tmp-Xy7-pass-0123");
    expect(api.requests.find((r) => r.method === "POST")?.body).toEqual({
      username: "carol",
      roles: ["support"],
    });
    await user.click(screen.getByRole("button", { name: "Done" }));
    await waitFor(() => expect(screen.queryByTestId("temporary-password")).toBeNull());
    expect(await screen.findByText("carol")).toBeTruthy();
  });

  it("disables a user after confirmation", async () => {
    const api = fakeApi((request) =>
      request.method === "PATCH"
        ? { status: 200, body: { ...bob, disabled: true } }
        : { status: 200, body: { items: [bob] } },
    );
    renderPage(<UsersPage />, { session: sessionFor(["superadmin"]), path: "/settings/users" });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Actions for bob" }));
    await user.click(await screen.findByRole("menuitem", { name: "Disable" }));
    await user.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Disable" }));
    await waitFor(() =>
      expect(api.requests.find((r) => r.method === "PATCH")?.body).toEqual({ disabled: true }),
    );
    expect(api.requests.find((r) => r.method === "PATCH")?.path).toBe(`/api/users/${bob.id}`);
  });
});
