// @vitest-environment jsdom
import "@licensing/ui/test-support/dom";
import type { ProductRelease } from "@licensing/contracts";
import { fakeApi, type Recorded, renderPage, sessionFor } from "@licensing/ui/test-support";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ReleasePage } from "../src/releases/ReleasePage.tsx";
import { UpdateServerPage } from "../src/releases/UpdateServerPage.tsx";
import {
  betaChannel,
  cockpit,
  collector,
  draftRelease,
  initech,
  publishedRelease,
  stableChannel,
  yankedRelease,
} from "./fixtures.ts";

afterEach(() => vi.unstubAllGlobals());

const releases = [draftRelease, publishedRelease, yankedRelease];

/** The gateway's release routes over the fixtures; `change` answers the requests that change things. */
function releaseApi(change?: (request: Recorded) => { status: number; body?: unknown } | undefined) {
  return fakeApi((request) => {
    const answered = change?.(request);
    if (answered) return answered;
    if (request.path === "/api/products") return { status: 200, body: { items: [collector, cockpit] } };
    if (request.path === "/api/release-channels")
      return { status: 200, body: { items: [stableChannel, betaChannel] } };
    const list = /^\/api\/products\/(\w+)\/releases$/.exec(request.path);
    if (list && request.method === "GET") {
      const state = request.query.get("state");
      const channel = request.query.get("channel");
      const items = releases.filter(
        (r) => r.product === list[1] && (!state || r.state === state) && (!channel || r.channel === channel),
      );
      return { status: 200, body: { items } };
    }
    if (request.path === `/api/releases/${publishedRelease.id}/downloads`)
      return {
        status: 200,
        body: {
          releaseId: publishedRelease.id,
          total: 3,
          byArtifact: [{ artifactId: publishedRelease.artifacts[0]!.id, downloads: 3 }],
          byAccount: [{ accountId: initech.id, downloads: 3, lastAt: "2026-02-03T10:00:00.000Z" }],
        },
      };
    const one = releases.find((r) => request.path === `/api/releases/${r.id}`);
    if (one && request.method === "GET") return { status: 200, body: one };
    return { status: 404, body: { code: "not_found", message: "No such route", requestId: "req_1" } };
  });
}

const openRelease = (release: ProductRelease, roles = ["release-manager"] as const) =>
  renderPage(<ReleasePage />, {
    session: sessionFor([...roles]),
    path: `/crm/releases/${release.id}`,
    pattern: "/crm/releases/:id",
  });

const errors = (requests: Recorded[]) => requests.filter((r) => r.method !== "GET");

describe("the Update server page", () => {
  it("lists the first product's releases with their channel, state, files and size, and filters them", async () => {
    const api = releaseApi();
    const { router } = renderPage(<UpdateServerPage />, {
      session: sessionFor(["release-manager"]),
      path: "/crm/update-server",
    });
    expect(await screen.findByRole("heading", { level: 1, name: "Update server" })).toBeTruthy();
    const published = (await screen.findByRole("link", { name: "2.4.0" })).closest("tr")!;
    expect(within(published).getByText("Stable")).toBeTruthy();
    expect(within(published).getByText("Published")).toBeTruthy();
    expect(within(published).getByText("2.33 GiB")).toBeTruthy();
    const draft = screen.getByRole("link", { name: "2.5.0-beta.1" }).closest("tr")!;
    expect(within(draft).getByText("Draft")).toBeTruthy();
    expect(within(draft).getByText("Beta")).toBeTruthy();
    const yanked = screen.getByRole("link", { name: "2.3.9" }).closest("tr")!;
    expect(within(yanked).getByText("Yanked")).toBeTruthy();

    const user = userEvent.setup();
    await user.click(screen.getByRole("textbox", { name: "State" }));
    await user.click(await screen.findByRole("option", { name: "Draft" }));
    await waitFor(() => expect(screen.queryByRole("link", { name: "2.4.0" })).toBeNull());
    expect(screen.getByRole("link", { name: "2.5.0-beta.1" })).toBeTruthy();
    const asked = api.requests.filter((r) => r.path === "/api/products/collector/releases");
    expect(asked.at(-1)?.query.get("state")).toBe("draft");
    expect(router.state.location.search).toContain("state=draft");
    expect(router.state.location.search).toContain("product=collector");

    await user.click(screen.getByRole("textbox", { name: "Channel" }));
    await user.click(await screen.findByRole("option", { name: "Stable" }));
    expect(await screen.findByText("No releases match")).toBeTruthy();
    expect(api.requests.at(-1)?.query.get("channel")).toBe("stable");
  });

  it("lists the channels with the license kinds they serve", async () => {
    releaseApi();
    renderPage(<UpdateServerPage />, {
      session: sessionFor(["release-manager"]),
      path: "/crm/update-server",
    });
    expect(await screen.findByRole("heading", { level: 2, name: "Channels" })).toBeTruthy();
    const beta = (await screen.findByRole("button", { name: "Edit Beta" })).closest("tr")!;
    expect(within(beta).getByText("Test")).toBeTruthy();
    expect(within(beta).queryByText("Commercial")).toBeNull();
  });

  it("creates a draft, showing the API's refusal of a bad version on the field", async () => {
    const api = releaseApi((request) => {
      if (request.method !== "POST") return undefined;
      const body = request.body as { version: string };
      if (body.version === "2.x")
        return {
          status: 400,
          body: {
            code: "validation_failed",
            message: "The request is not valid",
            requestId: "req_2",
            details: { issues: [{ path: "version", message: "must be a semantic version such as 1.4.2" }] },
          },
        };
      return { status: 201, body: { ...draftRelease, version: body.version } };
    });
    const { router } = renderPage(<UpdateServerPage />, {
      session: sessionFor(["release-manager"]),
      path: "/crm/update-server?product=collector",
      pattern: "/crm/update-server",
    });
    const user = userEvent.setup();
    await screen.findByRole("link", { name: "2.4.0" });
    await user.click(screen.getByRole("button", { name: "New release" }));
    const dialog = await screen.findByRole("dialog", { name: "New release" });
    await user.type(within(dialog).getByRole("textbox", { name: /^Version/ }), "2.x");
    await user.type(within(dialog).getByRole("textbox", { name: /^Release notes/ }), "**Faster** scans");
    await user.click(within(dialog).getByRole("tab", { name: "Preview" }));
    expect(within(dialog).getByText("Faster").tagName).toBe("STRONG");
    await user.click(within(dialog).getByRole("button", { name: "Create draft" }));
    expect(await within(dialog).findByText("must be a semantic version such as 1.4.2")).toBeTruthy();
    // On the field only: no notification repeats it.
    expect(screen.queryByText("The request is not valid")).toBeNull();

    const version = within(dialog).getByRole("textbox", { name: /^Version/ });
    await user.clear(version);
    await user.type(version, "2.5.0");
    await user.click(within(dialog).getByRole("button", { name: "Create draft" }));
    await waitFor(() => expect(router.state.location.pathname).toBe(`/crm/releases/${draftRelease.id}`));
    const created = errors(api.requests);
    expect(created).toHaveLength(2);
    expect(created[1]).toMatchObject({
      path: "/api/products/collector/releases",
      body: { version: "2.5.0", channel: "stable", notes: "**Faster** scans", minUpgradableFrom: null },
    });
    expect(created[1]?.headers["X-CSRF-Token"]).toBe("csrf-test-token");
  });

  it("offers a viewer no New release and no channel editing", async () => {
    releaseApi();
    renderPage(<UpdateServerPage />, { session: sessionFor(["viewer"]), path: "/crm/update-server" });
    await screen.findByRole("link", { name: "2.4.0" });
    await screen.findByRole("cell", { name: "beta" });
    expect(screen.queryByRole("button", { name: "New release" })).toBeNull();
    expect(screen.queryByRole("button", { name: "New channel" })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Edit/ })).toBeNull();
  });
});

describe("a release's page", () => {
  it("shows its facts, notes as Markdown and files with their size and SHA-256", async () => {
    releaseApi();
    openRelease(publishedRelease);
    expect(await screen.findByRole("heading", { level: 1, name: /2\.4\.0/ })).toBeTruthy();
    expect(screen.getByRole("heading", { level: 2, name: "Fixed" })).toBeTruthy();
    expect(screen.getByText("large").tagName).toBe("STRONG");
    const row = screen.getByText("collector-2.4.0-win-x64.msi").closest("tr")!;
    expect(within(row).getByText("2.33 GiB")).toBeTruthy();
    expect(
      within(row).getByRole("button", { name: "Copy the SHA-256 of collector-2.4.0-win-x64.msi" }),
    ).toBeTruthy();
    // Published: no uploads, no removal, no publish; yank is offered.
    expect(screen.queryByRole("button", { name: "Choose file…" })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Remove/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Publish" })).toBeNull();
    expect(screen.getByRole("button", { name: "Yank" })).toBeTruthy();
    // Who downloaded it; a release manager may not read accounts, so the id is not a link.
    expect(await screen.findByText("3 downloads")).toBeTruthy();
    expect(within(screen.getByText(initech.id).closest("tr")!).getByText("3")).toBeTruthy();
    expect(screen.queryByRole("link", { name: initech.id })).toBeNull();
  });

  it("cannot be published without a file, and says why", async () => {
    releaseApi();
    openRelease(draftRelease);
    const publish = await screen.findByRole("button", { name: "Publish" });
    expect(publish.matches(":disabled")).toBe(true);
    const why = document.getElementById(publish.getAttribute("aria-describedby") ?? "");
    expect(why?.textContent).toBe("Publish needs at least one file: upload one below.");
    expect(screen.getByRole("button", { name: "Choose file…" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Delete draft" })).toBeTruthy();
  });

  it("is published after a confirmation naming its version and channel", async () => {
    const withFile = { ...draftRelease, artifacts: publishedRelease.artifacts };
    const api = fakeApi((request) => {
      if (request.path === "/api/release-channels")
        return { status: 200, body: { items: [stableChannel, betaChannel] } };
      if (request.path === "/api/products") return { status: 200, body: { items: [collector] } };
      if (request.path.endsWith("/downloads"))
        return { status: 200, body: { releaseId: withFile.id, total: 0, byArtifact: [], byAccount: [] } };
      if (request.method === "POST")
        return {
          status: 200,
          body: { ...withFile, state: "published", publishedAt: "2026-03-01T00:00:00.000Z" },
        };
      return { status: 200, body: withFile };
    });
    openRelease(withFile);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Publish" }));
    const dialog = await screen.findByRole("dialog", { name: "Publish 2.5.0-beta.1 on Beta?" });
    await user.click(within(dialog).getByRole("button", { name: "Publish 2.5.0-beta.1" }));
    await waitFor(() => expect(errors(api.requests)).toHaveLength(1));
    expect(errors(api.requests)[0]?.path).toBe(`/api/releases/${draftRelease.id}/publish`);
    expect(await screen.findByRole("button", { name: "Yank" })).toBeTruthy();
    expect(await screen.findByText("Not downloaded yet.")).toBeTruthy();
  });

  it("is yanked only with a reason", async () => {
    const api = releaseApi((request) =>
      request.method === "POST"
        ? {
            status: 200,
            body: { ...publishedRelease, state: "yanked", yankedAt: "2026-03-01T00:00:00.000Z" },
          }
        : undefined,
    );
    openRelease(publishedRelease);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Yank" }));
    const dialog = await screen.findByRole("dialog", { name: "Yank release 2.4.0?" });
    await user.click(within(dialog).getByRole("button", { name: "Yank release" }));
    expect(
      await within(dialog).findByText("Say why the release is withdrawn (at least 3 characters)"),
    ).toBeTruthy();
    expect(errors(api.requests)).toHaveLength(0);
    await user.type(within(dialog).getByRole("textbox", { name: /^Reason/ }), "Crashes on start");
    await user.click(within(dialog).getByRole("button", { name: "Yank release" }));
    await waitFor(() => expect(errors(api.requests)).toHaveLength(1));
    expect(errors(api.requests)[0]).toMatchObject({
      path: `/api/releases/${publishedRelease.id}/yank`,
      body: { reason: "Crashes on start" },
    });
  });

  it("saves notes against the revision seen, and says when someone else changed it", async () => {
    const api = releaseApi((request) =>
      request.method === "PATCH"
        ? { status: 409, body: { code: "conflict", message: "The release has changed", requestId: "req_3" } }
        : undefined,
    );
    openRelease(publishedRelease);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Edit notes and range" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit release 2.4.0" });
    await user.type(within(dialog).getByRole("textbox", { name: /^Release notes/ }), " and more");
    await user.click(within(dialog).getByRole("button", { name: "Save" }));
    expect(await within(dialog).findByText("Changed by someone else")).toBeTruthy();
    expect(errors(api.requests)[0]).toMatchObject({
      method: "PATCH",
      body: { expectedRevision: 3, minUpgradableFrom: "2.0.0", maxUpgradableFrom: null },
    });
    // A published release keeps its channel: none is sent.
    expect(errors(api.requests)[0]?.body).not.toHaveProperty("channel");
    expect(within(dialog).getByRole("button", { name: "Reload the latest version" })).toBeTruthy();
  });

  it("offers a viewer no upload, publish, delete or edit", async () => {
    releaseApi();
    openRelease(draftRelease, ["viewer"] as never);
    await screen.findByRole("heading", { level: 1, name: /2\.5\.0-beta\.1/ });
    for (const name of ["Choose file…", "Publish", "Delete draft", "Edit notes and range"])
      expect(screen.queryByRole("button", { name })).toBeNull();
    // A draft was never offered: its downloads are not asked for.
    expect(screen.queryByRole("heading", { name: "Downloads" })).toBeNull();
  });

  it("says when no release has the id", async () => {
    releaseApi();
    renderPage(<ReleasePage />, {
      session: sessionFor(["release-manager"]),
      path: "/crm/releases/rel_01JD6X8Q0V4N3ZP8E4E3W1T9ZZ",
      pattern: "/crm/releases/:id",
    });
    expect(await screen.findByText("No release with this id")).toBeTruthy();
  });
});
