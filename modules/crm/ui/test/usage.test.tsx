// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import type { LicenseUsage } from "@licensing/contracts";
import { fakeApi, type Recorded, renderPage, sessionFor } from "@licensing/ui/test-support";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DashboardPage } from "../src/licenses/DashboardPage.tsx";
import { LicensePage } from "../src/licenses/LicensePage.tsx";
import { UsageReportPage } from "../src/usage/UsageReportPage.tsx";
import { collector, license, machine, usage, usageSummary } from "./fixtures.ts";

afterEach(() => vi.unstubAllGlobals());

const notFound = { status: 404, body: { code: "not_found", message: "no", requestId: "req_x" } };

/** A license page's API; `usageAnswer` answers GET …/usage, the deactivations and releases change it. */
function licenseApi(
  usageAnswer: () => { status: number; body?: unknown } = () => ({ status: 200, body: usage }),
) {
  let current: LicenseUsage = usage;
  return fakeApi((request: Recorded) => {
    if (request.path.endsWith("/versions") || request.path.endsWith("/audit"))
      return { status: 200, body: { items: [] } };
    if (request.path.endsWith("/usage")) {
      const answer = usageAnswer();
      return answer.status === 200 ? { status: 200, body: current } : answer;
    }
    if (request.path.endsWith("/deactivate")) {
      const ended = {
        ...machine,
        status: "deactivated",
        endReason: "operator",
        endedAt: "2026-01-10T10:00:00.000Z",
      };
      current = { ...current, activeMachines: 0, machines: [ended, ...current.machines.slice(1)] as never };
      return { status: 200, body: ended };
    }
    if (request.path.endsWith("/release")) {
      current = { ...current, leases: [] };
      return { status: 200, body: { ...usage.leases[0], releaseReason: "operator" } };
    }
    if (request.path === `/api/licenses/${license.id}`) return { status: 200, body: license };
    return notFound;
  });
}

const openUsage = (roles: Parameters<typeof sessionFor>[0]) =>
  renderPage(<LicensePage />, {
    session: sessionFor(roles),
    path: `/crm/licenses/${license.id}?tab=usage`,
    pattern: "/crm/licenses/:id",
  });

describe("a license's Usage tab", () => {
  it("shows machines, downloads, units (unlimited said so), last use and leases", async () => {
    licenseApi();
    openUsage(["viewer"]);
    const machines = await screen.findByRole("table", { name: "Activated machines" });
    const rows = within(machines).getAllByRole("row");
    expect(within(rows[1]!).getByText("build-01")).toBeTruthy();
    expect(within(rows[1]!).getByText("4f2a9c1e-build-01")).toBeTruthy();
    expect(within(rows[1]!).getByText("linux-x64")).toBeTruthy();
    expect(within(rows[1]!).getByText("active")).toBeTruthy();
    expect(within(rows[2]!).getByText("released")).toBeTruthy();
    expect(within(rows[2]!).getByText(/^no heartbeat ·/)).toBeTruthy();
    expect(screen.getByText("Unlimited")).toBeTruthy();
    expect(screen.getByText("accumulated units -1: no limit")).toBeTruthy();
    expect(screen.getByText("12,345")).toBeTruthy();
    expect(screen.getByText("of 3 activations")).toBeTruthy();
    expect(screen.getByText("of 2 seats")).toBeTruthy();
    const leases = screen.getByRole("table", { name: "Fleet leases held" });
    expect(within(leases).getByText("collector-fleet-01")).toBeTruthy();
    // A viewer reads, and frees nothing.
    expect(screen.queryByRole("button", { name: /^Deactivate|^Release/ })).toBeNull();
  });

  it("deactivates a machine after a confirmation, with the reason, and shows it ended", async () => {
    const api = licenseApi();
    openUsage(["license-admin"]);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Deactivate build-01" }));
    const dialog = await screen.findByRole("dialog", { name: "Deactivate build-01?" });
    expect(within(dialog).getByText(/one of the license's activations is free/)).toBeTruthy();
    expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(0);
    await user.type(within(dialog).getByLabelText(/^Reason/), "Replaced by build-03");
    await user.click(within(dialog).getByRole("button", { name: "Deactivate" }));
    await waitFor(() =>
      expect(api.requests.filter((r) => r.method === "POST").map((r) => [r.path, r.body])).toEqual([
        [`/api/licenses/${license.id}/machines/${machine.id}/deactivate`, { reason: "Replaced by build-03" }],
      ]),
    );
    expect(await screen.findByText("The machine is deactivated.")).toBeTruthy();
    expect(await screen.findByText("deactivated")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Deactivate build-01" })).toBeNull();

    await user.click(screen.getByRole("button", { name: "Release the seat of fleet-01" }));
    const release = await screen.findByRole("dialog", { name: "Release the seat of fleet-01?" });
    await user.click(within(release).getByRole("button", { name: "Release" }));
    expect(await screen.findByText("No collector holds a seat now.")).toBeTruthy();
    expect(api.requests.at(-2)?.body).toEqual({});
  });

  it("says when the distribution service has not received the license yet", async () => {
    licenseApi(() => notFound);
    openUsage(["viewer"]);
    expect(await screen.findByText(/has not received this license yet/)).toBeTruthy();
    expect(screen.getByRole("button", { name: "Look again" })).toBeTruthy();
  });
});

/** The report's API: every report page answers `rows`, with a next page when asked without a cursor. */
function reportApi() {
  return fakeApi((request) => {
    if (request.path === "/api/products") return { status: 200, body: { items: [collector] } };
    if (request.path === "/api/usage/report")
      return {
        status: 200,
        body: {
          items: [
            {
              period: "2026-01-05",
              accountId: license.accountId,
              accountName: "Initech",
              product: "collector",
              unitsConsumed: 1_500,
              executions: 3,
              activeMachines: 2,
            },
          ],
          nextCursor: request.query.get("cursor") ? null : "page-2",
          totals: { unitsConsumed: 1_500, executions: 3, activeMachines: 2 },
          periods: [
            { period: "2026-01-05", unitsConsumed: 1_500, executions: 3, activeMachines: 2 },
            { period: "2026-01-12", unitsConsumed: 0, executions: 0, activeMachines: 1 },
          ],
        },
      };
    if (request.path === "/api/usage/cockpits")
      return {
        status: 200,
        body: {
          items: [
            {
              licenseId: license.id,
              accountId: license.accountId,
              accountName: "Initech",
              product: "collector",
              certificateExpiresAt: "2099-01-31T00:00:00.000Z",
              certificateRevokedAt: null,
              seatsInUse: 4,
              collectors: 5,
              receipts: 1_234,
              units: 9_876,
              anomalies: 2,
            },
          ],
          nextCursor: null,
        },
      };
    if (request.path === `/api/accounts/${license.accountId}`)
      return { status: 200, body: { id: license.accountId, name: "Initech" } };
    if (request.path === "/api/accounts") return { status: 200, body: { items: [], nextCursor: null } };
    return notFound;
  });
}

/** The last request of the report's own pages (the cockpit section asks beside it). */
const lastReport = (api: ReturnType<typeof reportApi>) =>
  api.requests.filter((r) => r.path === "/api/usage/report").at(-1);

describe("the usage report", () => {
  it("sends the URL's selection as UTC days, shows totals, rows with names, and exports the same", async () => {
    const api = reportApi();
    renderPage(<UsageReportPage />, {
      session: sessionFor(["viewer"]),
      path: `/crm/usage?from=2026-01-01&to=2026-01-31&bucket=week&product=collector&accountId=${license.accountId}`,
      pattern: "/crm/usage",
    });
    expect(await screen.findAllByRole("link", { name: "Initech" })).toHaveLength(2);
    const sent = api.requests.find((r) => r.path === "/api/usage/report")!;
    expect(Object.fromEntries(sent.query)).toEqual({
      from: "2026-01-01T00:00:00.000Z",
      to: "2026-02-01T00:00:00.000Z",
      bucket: "week",
      product: "collector",
      accountId: license.accountId,
      limit: "50",
    });
    expect(screen.getByLabelText("Units consumed: 1500")).toBeTruthy();
    expect(screen.getAllByRole("cell", { name: "Collector" })).toHaveLength(2);
    expect(screen.getByText(/^Week of /)).toBeTruthy();
    const csv = screen.getByRole("link", { name: "Export CSV" }).getAttribute("href")!;
    expect(csv.startsWith("/api/usage/report.csv?")).toBe(true);
    expect(Object.fromEntries(new URL(csv, "http://x").searchParams)).toEqual({
      from: "2026-01-01T00:00:00.000Z",
      to: "2026-02-01T00:00:00.000Z",
      accountId: license.accountId,
      product: "collector",
      bucket: "week",
    });
    // The cockpit section: the same selection without the grouping, its own export.
    const cockpits = (await screen.findByRole("heading", { name: "Cockpits (fleet delegation)" })).closest(
      ".mantine-Card-root",
    ) as HTMLElement;
    expect(
      within(cockpits)
        .getByRole("link", { name: `…${license.id.slice(-8)}` })
        .getAttribute("href"),
    ).toBe(`/crm/licenses/${license.id}?tab=delegation`);
    expect(within(cockpits).getByText("valid")).toBeTruthy();
    expect(within(cockpits).getByRole("cell", { name: "1,234" })).toBeTruthy();
    expect(within(cockpits).getByRole("cell", { name: "2" })).toBeTruthy();
    const sentCockpits = api.requests.find((r) => r.path === "/api/usage/cockpits")!;
    expect(sentCockpits.query.has("bucket")).toBe(false);
    const cockpitsCsv = within(cockpits)
      .getByRole("link", { name: "Export cockpits CSV" })
      .getAttribute("href")!;
    expect(cockpitsCsv.startsWith("/api/usage/cockpits.csv?")).toBe(true);
    expect(new URL(cockpitsCsv, "http://x").searchParams.has("bucket")).toBe(false);
  });

  it("pages with the server's cursor, and regroups from the URL", async () => {
    const api = reportApi();
    const { router } = renderPage(<UsageReportPage />, {
      session: sessionFor(["viewer"]),
      path: "/crm/usage?from=2026-01-01&to=2026-01-31",
      pattern: "/crm/usage",
    });
    await screen.findByRole("heading", { name: "Cockpits (fleet delegation)" });
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(lastReport(api)?.query.get("cursor")).toBe("page-2"));
    await user.click(screen.getByRole("textbox", { name: "Group by" }));
    await user.click(await screen.findByRole("option", { name: "Month" }));
    await waitFor(() =>
      expect(router.state.location.search).toBe("?from=2026-01-01&to=2026-01-31&bucket=month"),
    );
    await waitFor(() => expect(lastReport(api)?.query.get("bucket")).toBe("month"));
    // New selection, first page again.
    expect(lastReport(api)?.query.get("cursor")).toBeNull();
    await user.click(screen.getByRole("textbox", { name: "Group by" }));
    await user.click(await screen.findByRole("option", { name: "Nothing: the whole period" }));
    await waitFor(() => expect(lastReport(api)?.query.has("bucket")).toBe(false));
    expect(screen.queryByText(/^Per /)).toBeNull();
  });

  it("shows the gateway's message in place when the selection is refused", async () => {
    fakeApi((request) =>
      request.path === "/api/usage/report"
        ? {
            status: 400,
            body: {
              code: "validation_failed",
              message: "Invalid query string: bucket: makes more than 1000 periods",
              requestId: "req_bad",
            },
          }
        : { status: 200, body: { items: [], nextCursor: null } },
    );
    renderPage(<UsageReportPage />, {
      session: sessionFor(["viewer"]),
      path: "/crm/usage?from=2020-01-01&to=2026-01-31",
      pattern: "/crm/usage",
    });
    expect(await screen.findByText(/makes more than 1000 periods/)).toBeTruthy();
    expect(screen.getByText("req_bad")).toBeTruthy();
  });
});

describe("the dashboard's usage figures", () => {
  it("link to the usage report of the last 30 days", async () => {
    fakeApi((request) =>
      request.path === "/api/usage/summary"
        ? { status: 200, body: usageSummary }
        : { status: 503, body: { code: "service_unavailable", message: "issuer down", requestId: "req_y" } },
    );
    renderPage(<DashboardPage />, { session: sessionFor(["viewer"]), path: "/crm/dashboard" });
    const units = await screen.findByRole("link", { name: /^Units consumed 4,200 / });
    expect(units.getAttribute("href")).toBe("/crm/usage?from=2025-12-12&to=2026-01-10");
    expect(screen.getByRole("link", { name: /^Active machines 7 / })).toBeTruthy();
    expect(screen.getByRole("link", { name: /^Fleet leases held 2 / })).toBeTruthy();
  });

  it("show the distribution service's failure in place, beside the licenses' figures", async () => {
    fakeApi((request) =>
      request.path === "/api/usage/summary"
        ? {
            status: 503,
            body: { code: "service_unavailable", message: "No distribution service", requestId: "req_z" },
          }
        : notFound,
    );
    renderPage(<DashboardPage />, { session: sessionFor(["viewer"]), path: "/crm/dashboard" });
    expect(await screen.findByText("No distribution service")).toBeTruthy();
  });
});
