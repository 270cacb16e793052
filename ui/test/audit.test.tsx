// @vitest-environment jsdom
import "./support/dom.ts";
import type { AuditLogEntry } from "@licensing/contracts";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AuditPage } from "../src/pages/settings/AuditPage.tsx";
import { fakeApi, renderPage, sessionFor } from "./support/render.tsx";

afterEach(() => vi.unstubAllGlobals());

const entry = (n: number, fields: Partial<AuditLogEntry> = {}): AuditLogEntry => ({
  id: `aud_${n}`,
  service: "catalog",
  at: `2026-12-0${n}T10:00:00.000Z`,
  actorId: "usr_1",
  actorName: "lea",
  action: "account.updated",
  entityType: "account",
  entityId: `acc_${n}`,
  requestId: `req_${n}`,
  reason: null,
  changes: { name: ["Acme", "Acme SA"] },
  chainSeq: n,
  ...fields,
});

describe("the audit page", () => {
  it("shows entries with what changed, pending ones, and the services that did not answer", async () => {
    fakeApi(() => ({
      status: 200,
      body: {
        items: [entry(2, { chainSeq: null, action: "user.sign-in-failed", actorName: "mallory" }), entry(1)],
        nextCursor: null,
        unavailable: ["notifier"],
      },
    }));
    renderPage(<AuditPage />, { session: sessionFor(["auditor"]), path: "/settings/audit" });
    expect(await screen.findByText("user.sign-in-failed")).toBeTruthy();
    expect(screen.getByText("pending")).toBeTruthy();
    expect(screen.getByText("#1")).toBeTruthy();
    expect(screen.getAllByText('name: "Acme" → "Acme SA"', { exact: false })).toHaveLength(2);
    expect(screen.getByText(/The entries of notifier are missing/)).toBeTruthy();
    expect(screen.getByRole("link", { name: "Export CSV" }).getAttribute("href")).toBe("/api/audit.csv?");
  });

  it("sends the filters, and the cursor for the next page, and exports the same selection", async () => {
    const api = fakeApi((request) => ({
      status: 200,
      body: request.query.get("cursor")
        ? { items: [entry(1)], nextCursor: null, unavailable: [] }
        : { items: [entry(2)], nextCursor: "next-page", unavailable: [] },
    }));
    renderPage(<AuditPage />, { session: sessionFor(["superadmin"]), path: "/settings/audit" });
    const user = userEvent.setup();
    await screen.findByText("acc_2");
    await user.type(screen.getByRole("textbox", { name: "Action" }), "account.*");
    await waitFor(() => expect(api.requests.at(-1)?.query.get("action")).toBe("account.*"));
    expect(screen.getByRole("link", { name: "Export CSV" }).getAttribute("href")).toBe(
      "/api/audit.csv?action=account.*",
    );
    await user.click(await screen.findByRole("button", { name: "Next" }));
    await screen.findByText("acc_1");
    const last = api.requests.at(-1)!;
    expect([last.query.get("cursor"), last.query.get("action"), last.query.get("limit")]).toEqual([
      "next-page",
      "account.*",
      "50",
    ]);
  });

  it("shows a refused filter as the gateway's error", async () => {
    fakeApi(() => ({
      status: 400,
      body: { code: "validation_failed", message: "action: must be an action", requestId: "req_x" },
    }));
    renderPage(<AuditPage />, {
      session: sessionFor(["auditor"]),
      pattern: "/settings/audit",
      path: "/settings/audit?action=DROP",
    });
    const alert = await screen.findByRole("alert", {}, { timeout: 3_000 });
    expect(alert.textContent).toContain("Could not load this");
    expect(alert.textContent).toContain("req_x");
  });
});
