// The Update server's releases in the catalog (issue 18): channels, drafts with artifacts, publication
// and yanking with their events and audit entries, and the refusals that keep the index coherent.
import { randomBytes } from "node:crypto";
import {
  AppError,
  auditListRequest,
  catalog,
  type ReleaseEvent,
  releaseEvents,
  releases,
} from "@licensing/contracts";
import { EventConsumer, listAudit } from "@licensing/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CatalogUnderTest, startCatalog } from "./catalog-harness.ts";

let under: CatalogUnderTest;
let consumer: EventConsumer;
const received: { event: string; payload: ReleaseEvent }[] = [];
const ctx = { requestId: "req_releases", actor: { id: "usr_rm", username: "rita", roles: ["superadmin"] } };

beforeAll(async () => {
  under = await startCatalog();
  consumer = new EventConsumer({
    nc: under.env.nc,
    orm: under.orm,
    prefix: under.env.prefix,
    name: "release-events-test",
    log: under.env.log,
  });
  for (const type of Object.values(releaseEvents))
    consumer.on(type, async (payload) => {
      received.push({ event: type.name, payload: type.payload.parse(payload) });
    });
  await consumer.start();
  await under.env.bus.request(catalog.createProduct, { code: "collector", name: "Collector" });
});
afterAll(async () => {
  await consumer?.stop();
  await under?.stop();
});

const call = <E extends (typeof releases)[keyof typeof releases]>(endpoint: E, request: unknown) =>
  under.env.bus.request(endpoint, request as never, { ctx });

const refusal = (answer: Promise<unknown>) =>
  answer.then(
    () => {
      throw new Error("accepted");
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(AppError);
      return error as AppError;
    },
  );

const artifact = (overrides: Record<string, unknown> = {}) => ({
  platform: "linux",
  arch: "x64",
  fileType: "tar.gz",
  fileName: "collector-2.0.0-linux-x64.tar.gz",
  size: 1_234_567,
  sha256: randomBytes(32).toString("hex"),
  storageKey: randomBytes(16).toString("hex"),
  ...overrides,
});

describe("release channels", () => {
  it("start as stable (every license) and beta (test licenses), and can be added to and changed", async () => {
    expect((await call(releases.listChannels, {})).items).toMatchObject([
      { code: "stable", kinds: ["commercial", "test"], position: 0 },
      { code: "beta", kinds: ["test"], position: 1 },
    ]);
    await call(releases.saveChannel, { code: "nightly", name: "Nightly", kinds: ["test"], position: 5 });
    const renamed = await call(releases.saveChannel, {
      code: "nightly",
      name: "Nightly builds",
      kinds: ["test"],
      position: 5,
    });
    expect(renamed).toMatchObject({ code: "nightly", name: "Nightly builds" });
    for (const [request, path] of [
      [{ code: "x", name: "X", kinds: [] }, "kinds"],
      [{ code: "x", name: "X", kinds: ["test", "test"] }, "kinds"],
      [{ code: "x", name: "X", kinds: ["internal"] }, "kinds.0"],
      [{ code: "Bad Code", name: "X", kinds: ["test"] }, "code"],
      [{ code: "x", name: "X\u0000", kinds: ["test"] }, "name"],
      [{ code: "x", name: "X", kinds: ["test"], extra: 1 }, "extra"],
    ] as const) {
      const error = await refusal(call(releases.saveChannel, request));
      expect(error.code, JSON.stringify(request)).toBe("validation_failed");
      expect(JSON.stringify(error.details), JSON.stringify(request)).toContain(path);
    }
    expect((await call(releases.deleteChannel, { code: "nightly" })).deleted).toBe(true);
    expect((await refusal(call(releases.deleteChannel, { code: "nightly" }))).code).toBe("not_found");
  });
});

describe("releases", () => {
  it("go from draft to published with their files, announced with a growing index version, and audited", async () => {
    const draft = await call(releases.createRelease, {
      product: "collector",
      version: "2.0.0",
      notes: "# 2.0.0\n\n- faster scans",
      minUpgradableFrom: "1.4.0",
    });
    expect(draft).toMatchObject({ state: "draft", channel: "stable", createdBy: "rita", artifacts: [] });
    // Nothing to offer yet: no file.
    expect((await refusal(call(releases.publishRelease, { id: draft.id }))).code).toBe("conflict");
    const first = artifact();
    await call(releases.addArtifact, { releaseId: draft.id, ...first });
    const withTwo = await call(releases.addArtifact, {
      releaseId: draft.id,
      ...artifact({ platform: "windows", fileType: "msi", fileName: "collector-2.0.0-win-x64.msi" }),
    });
    expect(withTwo.artifacts.map((a) => `${a.platform}/${a.arch}/${a.fileType}`)).toEqual([
      "linux/x64/tar.gz",
      "windows/x64/msi",
    ]);
    // One file per platform, architecture and type; one release per upload.
    expect((await refusal(call(releases.addArtifact, { releaseId: draft.id, ...artifact() }))).code).toBe(
      "already_exists",
    );
    expect(
      (
        await refusal(
          call(releases.addArtifact, {
            releaseId: draft.id,
            ...artifact({ arch: "arm64", storageKey: first.storageKey }),
          }),
        )
      ).code,
    ).toBe("already_exists");
    const published = await call(releases.publishRelease, { id: draft.id });
    expect(published.state).toBe("published");
    expect(published.publishedAt).not.toBeNull();
    // A published release keeps its files and its channel; its notes may still be corrected.
    expect(
      (await refusal(call(releases.addArtifact, { releaseId: draft.id, ...artifact({ arch: "arm64" }) })))
        .code,
    ).toBe("conflict");
    expect((await refusal(call(releases.updateRelease, { id: draft.id, channel: "beta" }))).code).toBe(
      "conflict",
    );
    const corrected = await call(releases.updateRelease, {
      id: draft.id,
      notes: "# 2.0.0\n\n- faster scans!",
    });
    expect(corrected.notes).toContain("scans!");
    expect((await refusal(call(releases.deleteRelease, { id: draft.id }))).code).toBe("conflict");

    const next = await call(releases.createRelease, { product: "collector", version: "2.1.0" });
    await call(releases.addArtifact, { releaseId: next.id, ...artifact() });
    await call(releases.publishRelease, { id: next.id });
    const yanked = await call(releases.yankRelease, {
      id: draft.id,
      reason: "corrupts the cache on upgrade",
    });
    expect(yanked).toMatchObject({ state: "yanked" });
    expect((await refusal(call(releases.yankRelease, { id: draft.id, reason: "again" }))).code).toBe(
      "conflict",
    );

    await expect
      .poll(() => received.map((r) => [r.event, r.payload.version, r.payload.indexVersion]))
      .toEqual([
        ["release.published", "2.0.0", 1],
        ["release.updated", "2.0.0", 2],
        ["release.published", "2.1.0", 3],
        ["release.yanked", "2.0.0", 4],
      ]);
    expect(received[0]!.payload.artifacts).toHaveLength(2);

    const listed = await call(releases.listReleases, { product: "collector" });
    expect(listed.items.map((r) => [r.version, r.state])).toEqual([
      ["2.1.0", "published"],
      ["2.0.0", "yanked"],
    ]);
    const entries = await listAudit(
      under.orm.em.fork(),
      "catalog",
      auditListRequest.parse({ entityType: "release", entityId: draft.id }),
    );
    expect(entries.items.map((e) => e.action).reverse()).toEqual([
      "release.created",
      "release.artifact-added",
      "release.artifact-added",
      "release.published",
      "release.updated",
      "release.yanked",
    ]);
    expect(entries.items.every((e) => e.actorId === "usr_rm")).toBe(true);
  });

  it("never reuse a version, and order versions by SemVer precedence", async () => {
    for (const version of ["10.0.0", "9.0.0", "10.0.0-rc.1", "10.0.0-beta.2"])
      await call(releases.createRelease, { product: "collector", version, channel: "beta" });
    expect(
      (await refusal(call(releases.createRelease, { product: "collector", version: "9.0.0" }))).code,
    ).toBe("already_exists");
    const listed = await call(releases.listReleases, { product: "collector", channel: "beta" });
    expect(listed.items.map((r) => r.version)).toEqual(["10.0.0", "10.0.0-rc.1", "10.0.0-beta.2", "9.0.0"]);
  });

  it("refuse what a release index could not carry, naming the field", async () => {
    const draft = await call(releases.createRelease, { product: "collector", version: "3.0.0" });
    for (const [request, path] of [
      [{ product: "collector", version: "3" }, "version"],
      [{ product: "collector", version: "v3.0.1" }, "version"],
      [
        { product: "collector", version: "3.0.1", minUpgradableFrom: "2.0.0", maxUpgradableFrom: "1.0.0" },
        "maxUpgradableFrom",
      ],
      [{ product: "collector", version: "3.0.1", channel: "nope" }, "channel"],
      [{ product: "collector", version: "3.0.1", notes: "x".repeat(50_001) }, "notes"],
      [{ product: "collector", version: "3.0.1", notes: "bad\ud800" }, "notes"],
    ] as const) {
      const error = await refusal(call(releases.createRelease, request));
      expect(error.code, JSON.stringify(request).slice(0, 80)).toBe("validation_failed");
      expect(JSON.stringify(error.details), JSON.stringify(request).slice(0, 80)).toContain(path);
    }
    expect((await refusal(call(releases.createRelease, { product: "nope", version: "1.0.0" }))).code).toBe(
      "not_found",
    );
    for (const [fields, path] of [
      [{ platform: "Windows" }, "platform"],
      [{ fileName: "../evil.msi" }, "fileName"],
      [{ fileName: "name." }, "fileName"],
      [{ sha256: "A".repeat(64) }, "sha256"],
      [{ size: 0 }, "size"],
      [{ size: 2 ** 53 }, "size"],
      [{ storageKey: "../../etc/passwd" }, "storageKey"],
    ] as const) {
      const error = await refusal(call(releases.addArtifact, { releaseId: draft.id, ...artifact(fields) }));
      expect(error.code, JSON.stringify(fields)).toBe("validation_failed");
      expect(JSON.stringify(error.details), JSON.stringify(fields)).toContain(path);
    }
    // A file above 4 GiB is fine: sizes are whole numbers up to 2^53.
    const large = await call(releases.addArtifact, {
      releaseId: draft.id,
      ...artifact({ size: 5 * 2 ** 30 }),
    });
    expect(large.artifacts[0]!.size).toBe(5 * 2 ** 30);
    const deleted = await call(releases.deleteRelease, { id: draft.id });
    expect(deleted.artifacts).toHaveLength(1);
    expect((await refusal(call(releases.getRelease, { id: draft.id }))).code).toBe("not_found");
    // Its artifacts went with it: their upload may now belong to another draft.
    const again = await call(releases.createRelease, { product: "collector", version: "3.0.0" });
    const reused = await call(releases.addArtifact, {
      releaseId: again.id,
      ...artifact({ storageKey: deleted.artifacts[0]!.storageKey }),
    });
    expect(reused.artifacts).toHaveLength(1);
  });

  it("keep a channel that releases use", async () => {
    expect((await refusal(call(releases.deleteChannel, { code: "stable" }))).code).toBe("conflict");
  });
});
