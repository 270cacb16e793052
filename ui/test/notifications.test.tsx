// @vitest-environment jsdom
import "./support/dom.ts";
import type { NotifierSettings, NotifierState } from "@licensing/contracts";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NotificationsPage } from "../src/pages/settings/notifications/NotificationsPage.tsx";
import { fakeApi, type Recorded, renderPage, sessionFor } from "./support/render.tsx";

afterEach(() => vi.unstubAllGlobals());

const defaultSettings: NotifierSettings = {
  enabled: true,
  dailyTime: "08:00",
  timeZone: "Europe/Paris",
  defaultNotifyDays: 30,
  recipients: ["ops@example.test"],
  includeCreators: false,
  sendWhenEmpty: false,
  fromAddress: "licensing@example.test",
  fromName: "Licensing",
  uiUrl: "http://localhost:8080",
  smtp: { host: "127.0.0.1", port: 2525, security: "none", username: "dev", passwordSet: true },
  version: 3,
  updatedAt: "2031-06-01T10:00:00.000Z",
  updatedBy: "ada",
};

const state: NotifierState = {
  enabled: true,
  dailyTime: "08:00",
  timeZone: "Europe/Paris",
  nextRunAt: "2031-06-16T06:00:00.000Z",
  waiting: null,
  lastSent: null,
  lastFailure: { day: "2031-06-15", at: "2031-06-15T06:00:00.000Z", error: "EENVELOPE: 451 Try again later" },
  recent: [],
  at: "2031-06-15T07:00:00.000Z",
};

function api(
  options: { devMail?: boolean; onPut?: (r: Recorded) => void; settings?: NotifierSettings } = {},
) {
  const settings = options.settings ?? defaultSettings;
  return fakeApi((request) => {
    if (request.path === "/api/notifications/settings" && request.method === "PUT") {
      options.onPut?.(request);
      return { status: 200, body: { ...settings, version: 4 } };
    }
    if (request.path === "/api/notifications/settings") return { status: 200, body: settings };
    if (request.path === "/api/notifications/state") return { status: 200, body: state };
    if (request.path === "/api/notifications/preview")
      return {
        status: 200,
        body: {
          day: "2031-06-15",
          timeZone: "Europe/Paris",
          subject: "License expiry digest 2031-06-15: 1 expiring",
          html: "<!doctype html><p>Acme &amp; co</p>",
          text: "Acme & co",
          rows: [],
          total: 1,
          truncated: false,
          to: ["ops@example.test"],
          cc: [],
        },
      };
    if (request.path === "/api/dev-mail")
      return options.devMail
        ? {
            status: 200,
            body: { items: [], directory: "/repo/.data/mail", smtp: { host: "127.0.0.1", port: 2525 } },
          }
        : {
            status: 503,
            body: { code: "service_unavailable", message: "The mailcatcher service is not running" },
          };
    return { status: 404, body: { code: "not_found", message: request.path } };
  });
}

const render = () =>
  renderPage(<NotificationsPage />, { session: sessionFor(["superadmin"]), path: "/settings/notifications" });

describe("Settings → Notifications", () => {
  it("shows the schedule's state and the settings, the password only as 'stored'", async () => {
    api();
    render();
    const panel = await screen.findByRole("region", { name: "Schedule state" });
    expect(within(panel).getByText("EENVELOPE: 451 Try again later")).toBeTruthy();
    expect(within(panel).getByText("Daily at 08:00 (Europe/Paris)")).toBeTruthy();
    expect(((await screen.findByLabelText(/^Host/)) as HTMLInputElement).value).toBe("127.0.0.1");
    expect((screen.getByLabelText(/^Password/) as HTMLInputElement).value).toBe("");
    expect(screen.getByText(/A password is stored \(never shown\)/)).toBeTruthy();
  });

  it("says nothing is sent while there are no recipients, instead of a daily time", async () => {
    api({ settings: { ...defaultSettings, recipients: [] } });
    render();
    const panel = await screen.findByRole("region", { name: "Schedule state" });
    expect(await within(panel).findByText("Nothing is sent until recipients are added")).toBeTruthy();
    expect(within(panel).queryByText(/^Daily at/)).toBeNull();
  });

  it("checks the fields against the contract and sends nothing while one is wrong", async () => {
    const puts: Recorded[] = [];
    api({ onPut: (r) => puts.push(r) });
    render();
    const user = userEvent.setup();
    const from = await screen.findByLabelText(/^Sender address/);
    await user.clear(from);
    await user.type(from, "licensing");
    const port = screen.getByLabelText(/^Port/);
    await user.clear(port);
    const recipients = screen.getByRole("textbox", { name: /^Recipients/ });
    await user.type(recipients, "not-an-address{Enter}");
    await user.click(screen.getByRole("button", { name: "Save settings" }));
    expect(await screen.findByText("must be an email address (name@example.com)")).toBeTruthy();
    expect(screen.getByText("not-an-address: must be an email address (name@example.com)")).toBeTruthy();
    expect(screen.getByText("must be a port number")).toBeTruthy();
    expect(puts).toHaveLength(0);
  });

  it("sends the password only when one is typed, and null to remove it", async () => {
    const puts: Recorded[] = [];
    api({ onPut: (r) => puts.push(r) });
    render();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(puts).toHaveLength(1));
    expect(puts[0]!.body).toMatchObject({ expectedVersion: 3, smtp: { host: "127.0.0.1", username: "dev" } });
    expect((puts[0]!.body as { smtp: object }).smtp).not.toHaveProperty("password");

    await user.type(await screen.findByLabelText(/^Password/), "new-secret");
    await user.click(screen.getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(puts).toHaveLength(2));
    expect(puts[1]!.body).toMatchObject({ smtp: { password: "new-secret" } });

    await user.click(screen.getByLabelText("Remove the stored password"));
    await user.click(screen.getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(puts).toHaveLength(3));
    expect(puts[2]!.body).toMatchObject({ smtp: { password: null } });
  });

  it("previews the digest in a sandboxed frame", async () => {
    api();
    render();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("tab", { name: "Preview" }));
    const frame = (await screen.findByTitle("Digest preview")) as HTMLIFrameElement;
    expect(frame.getAttribute("sandbox")).toBe("");
    expect(frame.getAttribute("srcdoc")).toBe("<!doctype html><p>Acme &amp; co</p>");
    expect(screen.getByText("License expiry digest 2031-06-15: 1 expiring")).toBeTruthy();
  });

  it("offers the development mail only where the catcher runs", async () => {
    api({ devMail: false });
    const first = render();
    await screen.findByRole("tab", { name: "Preview" });
    await waitFor(() => expect(screen.queryByRole("tab", { name: /Development mail/ })).toBeNull());
    first.unmount();
    api({ devMail: true });
    render();
    expect(await screen.findByRole("tab", { name: "Development mail (0)" })).toBeTruthy();
  });
});
