// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import type { DelegationCollector, DelegationStatus, LicenseDetail } from "@licensing/contracts";
import { fakeApi, type Recorded, renderPage, sessionFor } from "@licensing/ui/test-support";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { certificateState } from "../src/delegation/text.ts";
import { LicensePage } from "../src/licenses/LicensePage.tsx";
import { license } from "./fixtures.ts";

afterEach(() => vi.unstubAllGlobals());

/** A cockpit license: 5 fleet seats. */
const cockpit: LicenseDetail = { ...license, seats: 5, products: ["cockpit"] };
const day = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * day).toISOString();

const status: DelegationStatus = {
  licenseId: cockpit.id,
  certificates: [
    {
      certificateId: "dlg_02",
      serial: 2,
      authorityKeyId: "fa-0feea39765f2c0e56cef71d62da98217",
      issuedAt: inDays(-25),
      expiresAt: inDays(5),
      revokedAt: null,
    },
    {
      certificateId: "dlg_01",
      serial: 1,
      authorityKeyId: "fa-0feea39765f2c0e56cef71d62da98217",
      issuedAt: inDays(-55),
      expiresAt: inDays(-25),
      revokedAt: null,
    },
  ],
  seatsInUse: 3,
  collectors: [],
  collectorCount: 1,
  receipts: 1_204,
  units: 4_816,
  anomalies: [
    {
      kind: "gap",
      machine: "fa-1111aaaa2222bbbb3333cccc4444dddd",
      seq: 812,
      leaseId: "dls_01JLEASE000000000000000001",
      message: "receipts 800 to 811 are missing",
      detectedAt: "2026-03-10T12:05:00.000Z",
    },
  ],
};

const fleetOfOne: DelegationCollector[] = [
  {
    machine: "fa-1111aaaa2222bbbb3333cccc4444dddd",
    fingerprint: "collector-fleet-01",
    leaseId: "dls_01JLEASE000000000000000001",
    holdingSeat: true,
    receipts: 1_204,
    units: 4_816,
    lastReceiptAt: "2026-03-10T12:00:00.000Z",
  },
];

/**
 * `GET …/delegation/collectors` over `fleet` as the gateway answers it: keyset pages by machine (the
 * fake's cursor is the last machine shown), `limit`, and `holdingSeat`.
 */
function collectorPage(fleet: DelegationCollector[], request: Recorded): Answer {
  const limit = Number(request.query.get("limit") ?? 50);
  const cursor = request.query.get("cursor");
  const seat = request.query.get("holdingSeat");
  const matching = fleet.filter(
    (c) => (cursor === null || c.machine > cursor) && (seat === null || String(c.holdingSeat) === seat),
  );
  const items = matching.slice(0, limit);
  return {
    status: 200,
    body: { items, nextCursor: matching.length > limit ? items.at(-1)!.machine : null },
  };
}

const refusal = (status: number, code: string, message: string) => ({
  status,
  body: { code, message, requestId: "req_delegation" },
});
const notFound = refusal(404, "not_found", "no");

type Answer = { status: number; body?: unknown };

/** The license page's API with a delegation; `changes` answers the POSTs under …/delegation/. */
function delegationApi(
  options: {
    status?: DelegationStatus;
    collectors?: DelegationCollector[];
    changes?: (request: Recorded) => Answer;
    licenseBody?: LicenseDetail;
  } = {},
) {
  return fakeApi((request) => {
    if (request.path.endsWith("/versions") || request.path.endsWith("/audit"))
      return { status: 200, body: { items: [] } };
    if (request.path === `/api/licenses/${cockpit.id}/delegation`)
      return { status: 200, body: options.status ?? status };
    if (request.path === `/api/licenses/${cockpit.id}/delegation/collectors`)
      return collectorPage(options.collectors ?? fleetOfOne, request);
    if (request.path.startsWith(`/api/licenses/${cockpit.id}/delegation/`) && options.changes)
      return options.changes(request);
    if (request.path === `/api/licenses/${cockpit.id}`)
      return { status: 200, body: options.licenseBody ?? cockpit };
    return notFound;
  });
}

const openDelegation = (roles: Parameters<typeof sessionFor>[0]) =>
  renderPage(<LicensePage />, {
    session: sessionFor(roles),
    path: `/crm/licenses/${cockpit.id}?tab=delegation`,
    pattern: "/crm/licenses/:id",
  });

describe("a cockpit license's Fleet delegation tab", () => {
  it("shows certificates with their state, seats, collectors, totals and anomalies in words", async () => {
    delegationApi();
    openDelegation(["viewer"]);
    const certificates = await screen.findByRole("table", { name: "Delegation certificates" });
    const rows = within(certificates).getAllByRole("row");
    expect(within(rows[1]!).getByText("expiring soon")).toBeTruthy();
    expect(within(rows[2]!).getByText("expired")).toBeTruthy();
    expect(within(rows[1]!).getByText("fa-0feea39765f2c0e56cef71d62da98217")).toBeTruthy();
    expect(within(screen.getByRole("group", { name: "Seats in use" })).getByText("3")).toBeTruthy();
    expect(screen.getByText("of 5 seats, as last reported")).toBeTruthy();
    expect(within(screen.getByRole("group", { name: "Receipts" })).getByText("1,204")).toBeTruthy();
    expect(within(screen.getByRole("group", { name: "Units" })).getByText("4,816")).toBeTruthy();
    // The collectors come a page at a time, after the status.
    const collectors = await screen.findByRole("table", { name: "Collectors" });
    expect(within(collectors).getByText("collector-fleet-01")).toBeTruthy();
    expect(within(collectors).getByText("dls_01JLEASE000000000000000001")).toBeTruthy();
    const anomalies = screen.getByRole("table", { name: "Anomalies" });
    expect(within(anomalies).getByText("Receipts missing")).toBeTruthy();
    expect(within(anomalies).getByText("812")).toBeTruthy();
    expect(within(anomalies).getByText("receipts 800 to 811 are missing")).toBeTruthy();
    // Headings never skip a level: the page's h1, the tab's sections h2.
    expect(screen.getAllByRole("heading", { level: 2 }).map((h) => h.textContent)).toEqual([
      "Delegation certificates",
      "Collectors",
      "Anomalies",
    ]);
    // A viewer reads, and changes nothing.
    expect(
      screen.queryByRole("button", { name: /Answer an offline request|Import receipts|Revoke/ }),
    ).toBeNull();
  });

  it("says when no anomaly was detected, nor any certificate or collector yet", async () => {
    delegationApi({
      status: {
        ...status,
        certificates: [],
        collectors: [],
        collectorCount: 0,
        anomalies: [],
        seatsInUse: 0,
        receipts: 0,
        units: 0,
      },
    });
    openDelegation(["viewer"]);
    expect(await screen.findByText(/^No anomalies were detected in the receipts/)).toBeTruthy();
    expect(screen.getByText("No certificate was signed for this license's cockpit yet.")).toBeTruthy();
    expect(screen.getByText("No collector's receipts have come back yet.")).toBeTruthy();
  });

  it("pages through a large fleet's collectors and filters those holding a seat; the figures are the status's", async () => {
    // 120 collectors, one in three holding a seat; the status counts them all, the table pages.
    const fleet = Array.from({ length: 120 }, (_, i): DelegationCollector => {
      const n = String(i + 1).padStart(3, "0");
      return {
        ...fleetOfOne[0]!,
        machine: `fa-${n.padStart(32, "0")}`,
        fingerprint: `collector-${n}`,
        holdingSeat: i % 3 === 0,
        receipts: 10,
        units: 40,
      };
    });
    const api = delegationApi({
      status: {
        ...status,
        collectors: fleet.slice(0, 50),
        collectorCount: 120,
        seatsInUse: 40,
        receipts: 1_200,
        units: 4_800,
      },
      collectors: fleet,
    });
    openDelegation(["viewer"]);
    const user = userEvent.setup();
    expect(within(await screen.findByRole("group", { name: "Collectors" })).getByText("120")).toBeTruthy();
    expect(within(screen.getByRole("group", { name: "Seats in use" })).getByText("40")).toBeTruthy();
    const table = () => screen.getByRole("table", { name: "Collectors" });
    const bodyRows = () => within(table()).getAllByRole("row").slice(1);
    await waitFor(() => expect(bodyRows()).toHaveLength(50));
    expect(within(table()).getByText("collector-001")).toBeTruthy();
    expect(screen.getByText("Page 1, 50 shown")).toBeTruthy();

    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("Page 2, 50 shown")).toBeTruthy();
    await waitFor(() => expect(within(table()).getByText("collector-051")).toBeTruthy());
    expect(within(table()).queryByText("collector-001")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(bodyRows()).toHaveLength(20));
    expect(within(table()).getByText("collector-120")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Next" })).toHaveProperty("disabled", true);
    await user.click(screen.getByRole("button", { name: "Previous" }));
    await waitFor(() => expect(within(table()).getByText("collector-051")).toBeTruthy());

    // The filter starts again from the first page, with only those holding a seat.
    await user.click(screen.getByRole("radio", { name: "Holding a seat" }));
    expect(await screen.findByText("Page 1, 40 shown")).toBeTruthy();
    expect(within(table()).getByText("collector-001")).toBeTruthy();
    expect(within(table()).queryByText("collector-002")).toBeNull();
    expect(bodyRows().every((row) => within(row).queryByText("Held") !== null)).toBe(true);
    const pages = api.requests.filter((r) => r.path.endsWith("/delegation/collectors"));
    expect(pages.map((r) => Object.fromEntries(r.query))).toEqual([
      { limit: "50" },
      { limit: "50", cursor: fleet[49]!.machine },
      { limit: "50", cursor: fleet[99]!.machine },
      { limit: "50", holdingSeat: "true" },
    ]);
  });

  it("is not offered for a license without fleet seats, nor without the usage right", async () => {
    delegationApi({ licenseBody: { ...cockpit, seats: 0 } });
    const collectorPage = openDelegation(["license-admin"]);
    expect(await screen.findByRole("tab", { name: "Version history", selected: true })).toBeTruthy();
    expect(screen.queryByRole("tab", { name: "Fleet delegation" })).toBeNull();
    collectorPage.unmount();
    // An auditor reads licenses, not their use.
    const api = delegationApi();
    openDelegation(["auditor"]);
    expect(await screen.findByRole("tab", { name: "Version history", selected: true })).toBeTruthy();
    expect(screen.queryByRole("tab", { name: "Fleet delegation" })).toBeNull();
    expect(api.requests.some((r) => r.path.endsWith("/delegation"))).toBe(false);
  });

  it("names a certificate's state: valid, expiring soon, expired, revoked", () => {
    const now = Date.parse("2026-03-10T00:00:00Z");
    const at = (days: number) => new Date(now + days * day).toISOString();
    const cert = { ...status.certificates[0]!, revokedAt: null };
    expect(certificateState({ ...cert, expiresAt: at(20) }, now)).toBe("valid");
    expect(certificateState({ ...cert, expiresAt: at(7) }, now)).toBe("expiring");
    expect(certificateState({ ...cert, expiresAt: at(0) }, now)).toBe("expired");
    expect(certificateState({ ...cert, expiresAt: at(20), revokedAt: at(-1) }, now)).toBe("revoked");
  });
});

const armoredRequest = "-----BEGIN DELEGATION REQUEST-----\nabc\n-----END DELEGATION REQUEST-----";
const certificate = "-----BEGIN FLEET DELEGATION-----\nxyz\n-----END FLEET DELEGATION-----";

describe("the Fleet delegation tab's actions", () => {
  it("answers an offline request chosen from its file, and shows the certificate to copy or download", async () => {
    const api = delegationApi({
      changes: () => ({
        status: 200,
        body: { certificate, certificateId: "dlg_03", serial: 3, expiresAt: "2026-04-09T10:00:00.000Z" },
      }),
    });
    openDelegation(["license-admin"]);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Answer an offline request" }));
    const dialog = await screen.findByRole("dialog", { name: "Answer an offline request" });
    const input = dialog.querySelector('input[type="file"]') as HTMLInputElement;
    await user.upload(input, new File([armoredRequest], "cockpit.req", { type: "text/plain" }));
    await waitFor(() =>
      expect(within(dialog).getByLabelText(/^Delegation request/)).toHaveProperty("value", armoredRequest),
    );
    await user.click(within(dialog).getByRole("button", { name: "Answer" }));
    expect(await within(dialog).findByText(/Certificate 3 is signed/)).toBeTruthy();
    expect(within(dialog).getByLabelText("Certificate")).toHaveProperty("value", certificate);
    expect(within(dialog).getByRole("button", { name: "Copy" })).toBeTruthy();
    expect(within(dialog).getByRole("button", { name: "Download" })).toBeTruthy();
    expect(api.requests.filter((r) => r.method === "POST").map((r) => [r.path, r.body])).toEqual([
      [`/api/licenses/${cockpit.id}/delegation/answer`, { request: armoredRequest }],
    ]);
  });

  it("shows a refused request in words, with the request id", async () => {
    delegationApi({ changes: () => refusal(409, "conflict", "This request was answered already.") });
    openDelegation(["license-admin"]);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Answer an offline request" }));
    const dialog = await screen.findByRole("dialog", { name: "Answer an offline request" });
    await user.click(within(dialog).getByLabelText(/^Delegation request/));
    await user.paste(armoredRequest);
    await user.click(within(dialog).getByRole("button", { name: "Answer" }));
    const alert = await within(dialog).findByRole("alert");
    expect(within(alert).getByText("This request was answered already.")).toBeTruthy();
    expect(within(alert).getByText("req_delegation")).toBeTruthy();
  });

  it("imports an exported receipts file and shows what was accepted, duplicated and found wrong", async () => {
    const upload = {
      leases: [],
      logs: [
        {
          machineKey: `${"A".repeat(43)}=`,
          receipts: [{ payload: "eyJ9", signature: `${"B".repeat(86)}==` }],
        },
      ],
    };
    const api = delegationApi({
      changes: () => ({
        status: 200,
        body: { accepted: 1, duplicates: 2, units: 40, anomalies: status.anomalies },
      }),
    });
    openDelegation(["license-admin"]);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Import receipts" }));
    const dialog = await screen.findByRole("dialog", { name: "Import receipts" });
    const input = dialog.querySelector('input[type="file"]') as HTMLInputElement;
    await user.upload(
      input,
      new File([JSON.stringify(upload)], "receipts.json", { type: "application/json" }),
    );
    const importButton = within(dialog).getByRole("button", { name: "Import" });
    await waitFor(() => expect(importButton).toHaveProperty("disabled", false));
    await user.click(importButton);
    expect(
      await within(dialog).findByText(/1 receipts accepted, 2 already imported, 40 units counted/),
    ).toBeTruthy();
    expect(within(within(dialog).getByRole("group", { name: "Duplicates" })).getByText("2")).toBeTruthy();
    const anomalies = within(dialog).getByRole("table", { name: "Anomalies in this file" });
    expect(within(anomalies).getByText("Receipts missing")).toBeTruthy();
    expect(api.requests.filter((r) => r.method === "POST").map((r) => [r.path, r.body])).toEqual([
      [`/api/licenses/${cockpit.id}/delegation/receipts`, upload],
    ]);
  });

  it("says a file is not a receipts file before sending it, and shows a refused import in words", async () => {
    const api = delegationApi({
      changes: () => refusal(403, "forbidden", "These receipts name another license."),
    });
    openDelegation(["license-admin"]);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Import receipts" }));
    const dialog = await screen.findByRole("dialog", { name: "Import receipts" });
    const input = dialog.querySelector('input[type="file"]') as HTMLInputElement;
    await user.upload(input, new File(["not json"], "receipts.json", { type: "application/json" }));
    expect(await within(dialog).findByText(/This file is not JSON/)).toBeTruthy();
    await user.upload(
      input,
      new File([JSON.stringify({ leases: [] })], "other.json", { type: "application/json" }),
    );
    expect(await within(dialog).findByText(/This is not a receipts file the cockpit exported/)).toBeTruthy();
    expect(within(dialog).getByRole("button", { name: "Import" })).toHaveProperty("disabled", true);

    const upload = { leases: [], logs: [] };
    await user.upload(input, new File([JSON.stringify(upload)], "empty.json", { type: "application/json" }));
    const importButton = within(dialog).getByRole("button", { name: "Import" });
    await waitFor(() => expect(importButton).toHaveProperty("disabled", false));
    await user.click(importButton);
    const alert = await within(dialog).findByRole("alert");
    expect(within(alert).getByText("These receipts name another license.")).toBeTruthy();
    expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("revokes the delegation after a confirmation naming the license, with a required reason", async () => {
    const revoked = {
      ...status,
      certificates: status.certificates.map((c) => ({ ...c, revokedAt: inDays(0) })),
    };
    const api = delegationApi({ changes: () => ({ status: 200, body: revoked }) });
    openDelegation(["license-admin"]);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Revoke delegation" }));
    const dialog = await screen.findByRole("dialog", {
      name: "Revoke the fleet delegation of License …-7K3QD?",
    });
    await user.click(within(dialog).getByRole("button", { name: "Revoke delegation" }));
    expect(await within(dialog).findByText("At least 3 characters")).toBeTruthy();
    expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(0);
    await user.type(within(dialog).getByLabelText(/^Reason/), "Cockpit decommissioned");
    await user.click(within(dialog).getByRole("button", { name: "Revoke delegation" }));
    expect(await screen.findByText("The fleet delegation is revoked.")).toBeTruthy();
    expect(api.requests.filter((r) => r.method === "POST").map((r) => [r.path, r.body])).toEqual([
      [`/api/licenses/${cockpit.id}/delegation/revoke`, { reason: "Cockpit decommissioned" }],
    ]);
  });

  it("shows a refused revocation in words and keeps the dialog open", async () => {
    delegationApi({
      changes: () => refusal(503, "service_unavailable", "The distribution service is not running."),
    });
    openDelegation(["license-admin"]);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Revoke delegation" }));
    const dialog = await screen.findByRole("dialog", { name: /^Revoke the fleet delegation/ });
    await user.type(within(dialog).getByLabelText(/^Reason/), "Cockpit decommissioned");
    await user.click(within(dialog).getByRole("button", { name: "Revoke delegation" }));
    const alert = await within(dialog).findByRole("alert");
    expect(within(alert).getByText("The distribution service is not running.")).toBeTruthy();
    expect(within(alert).getByText("The delegation was not revoked")).toBeTruthy();
  });
});
