// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import type { LicenseDetail } from "@licensing/contracts";
import { fakeApi, type Recorded, renderPage, sessionFor } from "@licensing/ui/test-support";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GeneratorPage } from "../src/licenses/GeneratorPage.tsx";
import { LicensePage } from "../src/licenses/LicensePage.tsx";
import { NewPresetPage } from "../src/settings/PresetEditPage.tsx";
import { collector, initech, issued, license } from "./fixtures.ts";

// Licenses whose metadata reaches the 2 MiB a license file carries: the license page shows it
// collapsed, the generator takes it as JSON (a file or a text) and shows its size, and the issuer's
// 413 (license or preset) shows where the form shows its size.

/** `entries` values of `length` characters under keys k0000, k0001, …: ~2 KB each by default. */
function metadataOf(entries: number, length = 2_000): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (let i = 0; i < entries; i++) metadata[`k${String(i).padStart(4, "0")}`] = `${i}`.padEnd(length, "x");
  return metadata;
}

const jsonFile = (value: unknown, name = "metadata.json") =>
  new File([typeof value === "string" ? value : JSON.stringify(value)], name, { type: "application/json" });

let downloads: { name: string; text: Promise<string> }[];
beforeEach(() => {
  downloads = [];
  // jsdom has no object URLs, and follows no download link: keep what would have been saved.
  let blob: Blob | undefined;
  URL.createObjectURL = (b: Blob) => {
    blob = b;
    return "blob:test";
  };
  URL.revokeObjectURL = () => {};
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    downloads.push({ name: this.download, text: blob!.text() });
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("a license page with 2 MiB of metadata", () => {
  const large: LicenseDetail = {
    ...license,
    metadata: metadataOf(1_040),
    friendlyRestrictions: [{ key: "Site", value: "Lyon" }],
  };

  function largeLicenseApi() {
    let current = large;
    return fakeApi((request) => {
      if (request.path.endsWith("/versions")) return { status: 200, body: { items: [] } };
      if (request.path.endsWith("/audit")) return { status: 200, body: { items: [] } };
      if (request.path.endsWith("/renew")) {
        current = { ...current, serial: current.serial + 1 };
        return { status: 200, body: current };
      }
      return { status: 200, body: current };
    });
  }

  it("shows a summary and the first entries clipped, each value whole on demand", async () => {
    largeLicenseApi();
    renderPage(<LicensePage />, {
      session: sessionFor(["viewer"]),
      path: `/crm/licenses/${license.id}`,
      pattern: "/crm/licenses/:id",
    });
    const metadata = await screen.findByRole("group", { name: "Metadata" });
    expect(within(metadata).getByTestId("metadata-summary").textContent).toBe("· 1,040 entries, 2.0 MiB");
    expect(within(metadata).getAllByTestId("entry")).toHaveLength(5);
    expect(within(metadata).getByText("k0004")).toBeTruthy();
    expect(within(metadata).queryByText("k0005")).toBeNull();
    expect(within(metadata).getByText("…and 1,035 more.")).toBeTruthy();
    // A value is clipped: its start only, until asked for whole.
    const whole = large.metadata.k0003!;
    expect(within(metadata).queryByText(whole)).toBeNull();
    const user = userEvent.setup();
    await user.click(within(metadata).getByRole("button", { name: "Show the whole value of k0003" }));
    expect(within(metadata).getByText(whole)).toBeTruthy();
    await user.click(within(metadata).getByRole("button", { name: "Clip the value of k0003" }));
    expect(within(metadata).queryByText(whole)).toBeNull();
    // Short values are shown as they are.
    const restrictions = screen.getByRole("group", { name: "Friendly restrictions" });
    expect(within(restrictions).getByText("Lyon")).toBeTruthy();
    expect(within(restrictions).queryByRole("button", { name: /Show all/ })).toBeNull();
  });

  it("shows every entry a page at a time, finds one, and copies or downloads the whole as JSON", async () => {
    largeLicenseApi();
    renderPage(<LicensePage />, {
      session: sessionFor(["viewer"]),
      path: `/crm/licenses/${license.id}`,
      pattern: "/crm/licenses/:id",
    });
    const user = userEvent.setup();
    const metadata = await screen.findByRole("group", { name: "Metadata" });
    await user.click(within(metadata).getByRole("button", { name: "Show all 1,040" }));
    const dialog = await screen.findByRole("dialog", { name: "Metadata: 1,040 entries, 2.0 MiB" });
    expect(within(dialog).getAllByRole("row")).toHaveLength(51);
    expect(within(dialog).getByText("1–50 of 1,040 entries")).toBeTruthy();
    await user.click(within(dialog).getByRole("button", { name: "next page" }));
    expect(within(dialog).getByText("k0050")).toBeTruthy();
    expect(within(dialog).queryByText("k0049")).toBeNull();
    await user.type(within(dialog).getByRole("textbox", { name: "Find a key or value" }), "k1039");
    await waitFor(() => expect(within(dialog).getAllByRole("row")).toHaveLength(2));
    expect(within(dialog).getByText("k1039")).toBeTruthy();
    expect(within(dialog).getByText("1–1 of 1 entry")).toBeTruthy();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());

    await user.click(within(metadata).getByRole("button", { name: "Copy metadata as JSON" }));
    expect(JSON.parse(await navigator.clipboard.readText())).toEqual(large.metadata);
    await user.click(within(metadata).getByRole("button", { name: "Download metadata as JSON" }));
    expect(downloads.map((d) => d.name)).toEqual([`license-${license.id}-metadata.json`]);
    expect(JSON.parse(await downloads[0]!.text)).toEqual(large.metadata);
  });

  it("renews from the page, showing the answer without loading the license again", async () => {
    const api = largeLicenseApi();
    renderPage(<LicensePage />, {
      session: sessionFor(["license-admin"]),
      path: `/crm/licenses/${license.id}`,
      pattern: "/crm/licenses/:id",
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Renew" }));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Renew" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(await screen.findByText(/version 2, signed/)).toBeTruthy();
    expect(screen.getByTestId("metadata-summary").textContent).toBe("· 1,040 entries, 2.0 MiB");
    const loads = api.requests.filter((r) => r.method === "GET" && r.path === `/api/licenses/${license.id}`);
    expect(loads).toHaveLength(1);
    // The version history and the audit trail are loaded again: they changed.
    await waitFor(() =>
      expect(api.requests.filter((r) => r.path.endsWith("/versions")).length).toBeGreaterThanOrEqual(2),
    );
  });
});

/** The generator's API; `create` answers POST /api/licenses. */
function generatorApi(create: (request: Recorded) => { status: number; body?: unknown }) {
  return fakeApi((request) => {
    if (request.path === "/api/products") return { status: 200, body: { items: [collector] } };
    if (request.path === "/api/presets") return { status: 200, body: { items: [] } };
    if (request.path === "/api/accounts")
      return { status: 200, body: { items: [initech], nextCursor: null } };
    if (request.path === `/api/accounts/${initech.id}`) return { status: 200, body: initech };
    if (request.method === "POST") return create(request);
    return { status: 404, body: { code: "not_found", message: "no", requestId: "req_x" } };
  });
}

function renderGenerator() {
  renderPage(<GeneratorPage />, {
    session: sessionFor(["license-admin"]),
    path: `/crm/generator?accountId=${initech.id}`,
    pattern: "/crm/generator",
  });
  return userEvent.setup();
}

const metadataGroup = () => screen.getByRole("group", { name: "Metadata" });
const sizeLine = () => screen.getByTestId("content-size");

describe("the generator with large metadata", () => {
  it("imports a JSON file, shows it as a summary with its size, and sends it whole", async () => {
    const api = generatorApi(() => ({ status: 201, body: { batchId: null, licenses: [issued()] } }));
    const user = renderGenerator();
    // With one product in the catalog, it is chosen already.
    await screen.findByText(/Collector's catalog defaults filled/);
    expect(sizeLine().textContent).toMatch(/^License content: about 704 bytes of 2 MiB \(0\.0%\)/);
    const metadata = metadataOf(1_040);
    await user.upload(screen.getByLabelText("Metadata JSON file"), jsonFile(metadata));
    const summary = await within(metadataGroup()).findByTestId("metadata-summary");
    expect(summary.textContent).toMatch(/^1,040 entries, 2\.0 MiB/);
    // No row of inputs per entry.
    expect(within(metadataGroup()).queryAllByRole("textbox")).toHaveLength(0);
    expect(sizeLine().textContent).toMatch(
      /License content: about 2\.0 MiB of 2 MiB \(99\.7%\)\s*Close to the limit/,
    );
    expect(within(metadataGroup()).getByRole("button", { name: "Replace from file" })).toBeTruthy();

    await user.click(screen.getByRole("button", { name: "Generate license" }));
    await waitFor(() => expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(1));
    expect((api.requests.find((r) => r.method === "POST")!.body as { metadata: unknown }).metadata).toEqual(
      metadata,
    );
    expect(await screen.findByText("License created")).toBeTruthy();

    // The form is locked after a success; "Generate another" opens a fresh one for the next file.
    await user.click(screen.getByRole("button", { name: "Generate another" }));
    await user.upload(screen.getByLabelText("Metadata JSON file"), jsonFile(metadata));
    await within(metadataGroup()).findByTestId("metadata-summary");
    // Remove all: back to rows, none left.
    await user.click(within(metadataGroup()).getByRole("button", { name: "Remove all" }));
    expect(within(metadataGroup()).queryByTestId("metadata-summary")).toBeNull();
    expect(within(metadataGroup()).getByRole("button", { name: "Import from JSON file" })).toBeTruthy();
  });

  it("says which key or value of a file is wrong, and keeps the metadata it had", async () => {
    generatorApi(() => ({ status: 500 }));
    const user = renderGenerator();
    await screen.findByText(/Collector's catalog defaults filled/);
    const input = screen.getByLabelText("Metadata JSON file");
    await user.upload(
      input,
      jsonFile({ "po-number": "PO-1", "Purchase Order": "PO-2", site: 42 }, "bad.json"),
    );
    const alert = await within(metadataGroup()).findByRole("alert");
    expect(alert.textContent).toContain("bad.json was not imported.");
    expect(alert.textContent).toContain(
      `Key "Purchase Order" is not a valid key: it must be lower-case letters, digits, '.', '_' or '-', starting with a letter.`,
    );
    expect(alert.textContent).toContain(`Key "site": the value must be text, not a number.`);
    expect(within(metadataGroup()).queryAllByRole("textbox")).toHaveLength(0);

    await user.upload(input, jsonFile({ notes: "n".repeat(2_001) }));
    expect((await within(metadataGroup()).findByRole("alert")).textContent).toContain(
      `Key "notes": the value has 2,001 characters; at most 2,000.`,
    );
    await user.upload(input, jsonFile([{ key: "po", value: "PO-1" }], "list.json"));
    expect((await within(metadataGroup()).findByRole("alert")).textContent).toContain(
      "Metadata must be one JSON object of keys and text values",
    );
    expect(within(metadataGroup()).getByRole("alert").textContent).toContain("this is an array.");
    await user.upload(input, jsonFile("{ po: 1 ", "broken.json"));
    expect((await within(metadataGroup()).findByRole("alert")).textContent).toContain(
      "This is not valid JSON",
    );
  });

  it("edits metadata as JSON text, and back as rows while they are few", async () => {
    const api = generatorApi(() => ({ status: 201, body: { batchId: null, licenses: [issued()] } }));
    const user = renderGenerator();
    await screen.findByText(/Collector's catalog defaults filled/);
    await user.click(within(metadataGroup()).getByRole("button", { name: "Add metadata" }));
    await user.type(within(metadataGroup()).getByRole("textbox", { name: "Metadata 1 key" }), "po-number");
    await user.type(within(metadataGroup()).getByRole("textbox", { name: "Metadata 1 value" }), "PO-1");
    await user.click(within(metadataGroup()).getByRole("button", { name: "Edit as JSON" }));
    let dialog = await screen.findByRole("dialog", { name: "Metadata as JSON" });
    const text = within(dialog).getByRole("textbox", { name: "Metadata as JSON" }) as HTMLTextAreaElement;
    expect(JSON.parse(text.value)).toEqual({ "po-number": "PO-1" });
    fireEvent.change(text, { target: { value: '{"po-number": "PO-2", "Site": "Lyon"}' } });
    await user.click(within(dialog).getByRole("button", { name: "Apply" }));
    expect(within(dialog).getByRole("alert").textContent).toContain(`Key "Site" is not a valid key`);
    fireEvent.change(text, { target: { value: '{"po-number": "PO-2", "site": "Lyon"}' } });
    await user.click(within(dialog).getByRole("button", { name: "Apply" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(
      (within(metadataGroup()).getByRole("textbox", { name: "Metadata 2 value" }) as HTMLInputElement).value,
    ).toBe("Lyon");

    // Thirty entries are too many for rows: a summary.
    await user.click(within(metadataGroup()).getByRole("button", { name: "Edit as JSON" }));
    dialog = await screen.findByRole("dialog", { name: "Metadata as JSON" });
    fireEvent.change(within(dialog).getByRole("textbox", { name: "Metadata as JSON" }), {
      target: { value: JSON.stringify(metadataOf(30, 10)) },
    });
    await user.click(within(dialog).getByRole("button", { name: "Apply" }));
    expect((await within(metadataGroup()).findByTestId("metadata-summary")).textContent).toMatch(
      /^30 entries, 631 bytes/,
    );
    await user.click(screen.getByRole("button", { name: "Generate license" }));
    await waitFor(() => expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(1));
    expect(api.requests.find((r) => r.method === "POST")!.body).toMatchObject({
      metadata: metadataOf(30, 10),
    });
  });

  it("refuses, before sending, metadata past the 2 MiB a license carries", async () => {
    const api = generatorApi(() => ({ status: 201, body: { batchId: null, licenses: [issued()] } }));
    const user = renderGenerator();
    await screen.findByText(/Collector's catalog defaults filled/);
    await user.upload(screen.getByLabelText("Metadata JSON file"), jsonFile(metadataOf(1_060)));
    await within(metadataGroup()).findByTestId("metadata-summary");
    expect(within(sizeLine()).getByRole("alert").textContent).toMatch(
      /^The license's content would take at least 2\.0 MiB \(2,1\d\d,\d\d\d bytes\); a license file carries at most 2 MiB \(2,097,152 bytes\)\. Remove metadata entries or shorten values\.$/,
    );
    await user.click(screen.getByRole("button", { name: "Generate license" }));
    expect(within(sizeLine()).getByRole("alert")).toBeTruthy();
    expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(0);
  });

  it("shows the issuer's 413 under the size, not as a notification", async () => {
    const message =
      "The license's content is 2 MiB (2,097,200 bytes); a license file carries at most 2 MiB (2,097,152 bytes). Shorten its metadata or restrictions.";
    generatorApi(() => ({
      status: 413,
      body: {
        code: "payload_too_large",
        message,
        requestId: "req_413",
        details: { limitBytes: 2_097_152, sizeBytes: 2_097_200 },
      },
    }));
    const user = renderGenerator();
    await screen.findByText(/Collector's catalog defaults filled/);
    await user.upload(screen.getByLabelText("Metadata JSON file"), jsonFile(metadataOf(1_040)));
    await within(metadataGroup()).findByTestId("metadata-summary");
    await user.click(screen.getByRole("button", { name: "Generate license" }));
    expect((await within(sizeLine()).findByRole("alert")).textContent).toBe(message);
    expect(screen.getAllByText(message)).toHaveLength(1);
    // A new file is another request: the issuer's answer about the former one goes.
    await user.upload(screen.getByLabelText("Metadata JSON file"), jsonFile(metadataOf(3)));
    await waitFor(() => expect(within(sizeLine()).queryByRole("alert")).toBeNull());
  });
});

describe("a preset with large metadata", () => {
  function presetApi(answer: { status: number; body?: unknown }) {
    return fakeApi((request) =>
      request.path === "/api/products" ? { status: 200, body: { items: [collector] } } : answer,
    );
  }

  async function fillPreset(user: ReturnType<typeof userEvent.setup>, metadata: Record<string, string>) {
    await user.type(await screen.findByLabelText(/^Name/), "Big one");
    await user.click(screen.getByRole("textbox", { name: /^Products/ }));
    await user.click(await screen.findByRole("option", { name: "Collector (collector)" }));
    await user.upload(screen.getByLabelText("Metadata JSON file"), jsonFile(metadata));
    await within(metadataGroup()).findByTestId("metadata-summary");
  }

  it("refuses parameters past 64 KiB before sending, saying what to do instead", async () => {
    const api = presetApi({ status: 201 });
    renderPage(<NewPresetPage />, { session: sessionFor(["license-admin"]), path: "/settings/presets/new" });
    const user = userEvent.setup();
    await fillPreset(user, metadataOf(40));
    expect(sizeLine().textContent).toMatch(/^Preset parameters: 78\.\d KiB of 64 KiB \(12\d\.\d%\)/);
    expect(within(sizeLine()).getByRole("alert").textContent).toMatch(
      /a preset holds at most 64 KiB \(65,536 bytes\)\. Create licenses with large metadata from the generator instead\./,
    );
    await user.click(screen.getByRole("button", { name: "Create preset" }));
    expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(0);
  });

  it("shows the issuer's 413 under the size", async () => {
    const message =
      "The preset's parameters take 64.1 KiB (65,601 bytes); a preset holds at most 64 KiB (65,536 bytes). Create licenses with large metadata from the generator instead.";
    const api = presetApi({
      status: 413,
      body: { code: "payload_too_large", message, requestId: "req_413" },
    });
    renderPage(<NewPresetPage />, { session: sessionFor(["license-admin"]), path: "/settings/presets/new" });
    const user = userEvent.setup();
    await fillPreset(user, metadataOf(30));
    expect(sizeLine().textContent).toMatch(/^Preset parameters: 5\d\.\d KiB of 64 KiB/);
    await user.click(screen.getByRole("button", { name: "Create preset" }));
    await waitFor(() => expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(1));
    expect((await within(sizeLine()).findByRole("alert")).textContent).toBe(message);
    expect(screen.getAllByText(message)).toHaveLength(1);
  });
});
