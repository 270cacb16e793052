import {
  AppError,
  type FieldIssue,
  newId,
  type ProductRelease,
  type ReleaseChannel,
  type RequestContext,
  type RequestOf,
  releaseEvents,
  type releases,
  systemActor,
} from "@licensing/contracts";
import { compareSemver } from "@licensing/model";
import {
  changesBetween,
  type EntityManager,
  type Orm,
  queryOne,
  recordAudit,
  recordEvent,
} from "@licensing/platform";
import { LockMode, UniqueConstraintViolationException } from "@mikro-orm/core";
import { ProductEntity } from "./product-entity.ts";
import {
  ReleaseArtifactEntity,
  ReleaseChannelEntity,
  ReleaseEntity,
  type ReleaseRow,
  toChannel,
  toRelease,
} from "./release-entities.ts";

/**
 * The Update server's releases (issue 18): a draft gets its files (artifacts, uploaded to the
 * artifact store by the gateway, named here by their storage key), then is published to its channel,
 * and may be yanked. Publishing, yanking and correcting a release that is out grow the product and
 * channel's release index version and are announced (release.published, release.yanked,
 * release.updated) and audited, in the same transaction.
 */
export class Releases {
  readonly #orm: Orm;

  constructor(orm: Orm) {
    this.#orm = orm;
  }

  // ---------- Channels ----------

  async channels(): Promise<ReleaseChannel[]> {
    const rows = await this.#orm.em
      .fork()
      .find(ReleaseChannelEntity, {}, { orderBy: { position: "asc", code: "asc" } });
    return rows.map(toChannel);
  }

  async saveChannel(
    request: RequestOf<typeof releases.saveChannel>,
    ctx: RequestContext,
  ): Promise<ReleaseChannel> {
    return this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(ReleaseChannelEntity, { code: request.code });
      const before = row ? toChannel(row) : undefined;
      const saved = row ?? em.create(ReleaseChannelEntity, request);
      Object.assign(saved, request);
      await em.flush();
      const channel = toChannel(saved);
      await recordAudit(em, {
        action: before ? "release-channel.updated" : "release-channel.created",
        entityType: "release-channel",
        entityId: channel.code,
        ctx,
        changes: changesBetween(channelFields(before), channelFields(channel)),
      });
      return channel;
    });
  }

  async deleteChannel(code: string, ctx: RequestContext): Promise<void> {
    await this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(ReleaseChannelEntity, { code }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) throw AppError.notFound("Release channel", code);
      const used = await em.count(ReleaseEntity, { channel: code });
      if (used > 0)
        throw new AppError("conflict", `Channel ${code} has ${used} release(s); move or delete them first`);
      if ((await em.count(ReleaseChannelEntity, {})) === 1)
        throw new AppError("conflict", `Channel ${code} is the last one; releases need a channel`);
      const before = toChannel(row);
      em.remove(row);
      await em.flush();
      await recordAudit(em, {
        action: "release-channel.deleted",
        entityType: "release-channel",
        entityId: code,
        ctx,
        changes: changesBetween(channelFields(before), {}),
      });
    });
  }

  // ---------- Releases ----------

  async create(
    request: RequestOf<typeof releases.createRelease>,
    ctx: RequestContext,
  ): Promise<ProductRelease> {
    try {
      return await this.#orm.em.fork().transactional(async (em) => {
        await requireProduct(em, request.product);
        await requireChannel(em, request.channel);
        const range = {
          minUpgradableFrom: request.minUpgradableFrom ?? null,
          maxUpgradableFrom: request.maxUpgradableFrom ?? null,
        };
        checkRange(range);
        const row = em.create(ReleaseEntity, {
          id: newId("release"),
          product: request.product,
          version: request.version,
          channel: request.channel,
          notes: request.notes,
          state: "draft",
          ...range,
          publishedAt: null,
          yankedAt: null,
          yankReason: null,
          // The username, as people read it (usernames never change; the audit entry has the id).
          createdBy: (ctx.actor ?? systemActor).username,
        });
        await em.flush();
        const release = toRelease(row, []);
        await recordAudit(em, releaseAudit("release.created", undefined, release, ctx));
        return release;
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException)
        throw new AppError(
          "already_exists",
          `${request.product} already has a release ${request.version}; versions are never reused`,
        );
      throw error;
    }
  }

  async update(
    request: RequestOf<typeof releases.updateRelease>,
    ctx: RequestContext,
  ): Promise<ProductRelease> {
    return this.#change(request.id, ctx, "release.updated", async (em, row) => {
      if (request.expectedRevision !== undefined && row.revision !== request.expectedRevision)
        throw new AppError(
          "conflict",
          `Release ${row.id} was changed by someone else (now revision ${row.revision}); reload and retry`,
        );
      if (request.channel !== undefined && request.channel !== row.channel) {
        if (row.state !== "draft")
          throw new AppError(
            "conflict",
            `Release ${row.version} is ${row.state}: its channel stays ${row.channel}`,
          );
        await requireChannel(em, request.channel);
        row.channel = request.channel;
      }
      if (request.notes !== undefined) row.notes = request.notes;
      const range = {
        minUpgradableFrom:
          request.minUpgradableFrom === undefined
            ? (row.minUpgradableFrom ?? null)
            : request.minUpgradableFrom,
        maxUpgradableFrom:
          request.maxUpgradableFrom === undefined
            ? (row.maxUpgradableFrom ?? null)
            : request.maxUpgradableFrom,
      };
      checkRange(range);
      Object.assign(row, range);
    });
  }

  async addArtifact(
    request: RequestOf<typeof releases.addArtifact>,
    ctx: RequestContext,
  ): Promise<ProductRelease> {
    const { releaseId, ...artifact } = request;
    try {
      return await this.#change(releaseId, ctx, "release.artifact-added", async (em, row) => {
        requireDraft(row, "gets no new files");
        em.create(ReleaseArtifactEntity, { id: newId("artifact"), releaseId, ...artifact });
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException)
        throw new AppError(
          "already_exists",
          `The release already has a ${artifact.fileType} file for ${artifact.platform} ${artifact.arch}, or that upload is another release's`,
        );
      throw error;
    }
  }

  async removeArtifact(
    request: RequestOf<typeof releases.removeArtifact>,
    ctx: RequestContext,
  ): Promise<ProductRelease> {
    return this.#change(request.releaseId, ctx, "release.artifact-removed", async (em, row) => {
      requireDraft(row, "keeps its files");
      const artifact = await em.findOne(ReleaseArtifactEntity, {
        id: request.artifactId,
        releaseId: request.releaseId,
      });
      if (!artifact) throw AppError.notFound("Artifact", request.artifactId);
      em.remove(artifact);
    });
  }

  async publish(id: string, ctx: RequestContext): Promise<ProductRelease> {
    return this.#change(id, ctx, "release.published", async (em, row) => {
      requireDraft(row, "cannot be published again");
      if ((await em.count(ReleaseArtifactEntity, { releaseId: id })) === 0)
        throw new AppError(
          "conflict",
          `Release ${row.version} has no file yet: upload one before publishing`,
        );
      row.state = "published";
      row.publishedAt = new Date();
    });
  }

  async yank(id: string, reason: string, ctx: RequestContext): Promise<ProductRelease> {
    return this.#change(id, ctx, "release.yanked", async (_em, row) => {
      if (row.state !== "published")
        throw new AppError(
          "conflict",
          row.state === "draft"
            ? `Release ${row.version} is a draft: delete it instead`
            : `Release ${row.version} is yanked already`,
        );
      row.state = "yanked";
      row.yankedAt = new Date();
      row.yankReason = reason;
    });
  }

  /** Deletes a draft; answers it as it was, with the artifacts whose bytes the caller removes. */
  async delete(id: string, ctx: RequestContext): Promise<ProductRelease> {
    return this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(ReleaseEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) throw AppError.notFound("Release", id);
      requireDraft(row, "cannot be deleted: yank it");
      const release = toRelease(row, await artifactsOf(em, id));
      await em.nativeDelete(ReleaseArtifactEntity, { releaseId: id });
      em.remove(row);
      await em.flush();
      await recordAudit(em, releaseAudit("release.deleted", release, undefined, ctx));
      return release;
    });
  }

  async get(id: string): Promise<ProductRelease> {
    const em = this.#orm.em.fork();
    const row = await em.findOne(ReleaseEntity, { id });
    if (!row) throw AppError.notFound("Release", id);
    return toRelease(row, await artifactsOf(em, id));
  }

  /** Which of `keys` are a release artifact's storage key (the others' bytes are nobody's). */
  async knownArtifactKeys(keys: readonly string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows = await this.#orm.em
      .fork()
      .find(ReleaseArtifactEntity, { storageKey: { $in: [...keys] } }, { fields: ["storageKey"] });
    return rows.map((row) => row.storageKey);
  }

  /** A product's releases, newest version first (SemVer precedence). */
  async list(request: RequestOf<typeof releases.listReleases>): Promise<ProductRelease[]> {
    const em = this.#orm.em.fork();
    const rows = await em.find(ReleaseEntity, {
      product: request.product,
      ...(request.channel ? { channel: request.channel } : {}),
      ...(request.state ? { state: request.state } : {}),
    });
    const artifacts = await em.find(
      ReleaseArtifactEntity,
      { releaseId: { $in: rows.map((r) => r.id) } },
      { orderBy: { platform: "asc", arch: "asc", fileType: "asc" } },
    );
    return rows
      .sort((a, b) => compareSemver(b.version, a.version))
      .map((row) =>
        toRelease(
          row,
          artifacts.filter((a) => a.releaseId === row.id),
        ),
      );
  }

  /**
   * Locks release `id`, applies `change`, and records the result: its audit entry and, for a
   * publication, a yank or a correction of a release that is out, the event with the channel's next
   * index version.
   */
  async #change(
    id: string,
    ctx: RequestContext,
    action: string,
    change: (em: EntityManager, row: ReleaseRow) => Promise<void>,
  ): Promise<ProductRelease> {
    return this.#orm.em.fork().transactional(async (em) => {
      const row = await em.findOne(ReleaseEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) throw AppError.notFound("Release", id);
      const before = toRelease(row, await artifactsOf(em, id));
      await change(em, row);
      await em.flush();
      const release = toRelease(row, await artifactsOf(em, id));
      await recordAudit(em, releaseAudit(action, before, release, ctx));
      const event = announced(action, release);
      if (event) {
        const indexVersion = await nextIndexVersion(em, release.product, release.channel);
        await recordEvent(em, event, { ...release, indexVersion }, ctx);
      }
      return release;
    });
  }
}

/**
 * The event a change announces: a publication, a yank, and a correction of a release already out
 * (its notes or range: products read them in the index); a draft's changes stay in the catalog.
 */
function announced(action: string, release: ProductRelease) {
  if (action === "release.published") return releaseEvents.releasePublished;
  if (action === "release.yanked") return releaseEvents.releaseYanked;
  if (action === "release.updated" && release.state !== "draft") return releaseEvents.releaseUpdated;
  return undefined;
}

/** The product and channel's release index version after one more change (1 for the first). */
async function nextIndexVersion(em: EntityManager, product: string, channel: string): Promise<number> {
  const row = await queryOne<{ index_version: number }>(
    em,
    `insert into catalog.release_index_versions (product, channel, index_version) values ($1, $2, 1)
     on conflict (product, channel) do update set index_version = release_index_versions.index_version + 1
     returning index_version`,
    [product, channel],
  );
  return row!.index_version;
}

async function artifactsOf(em: EntityManager, releaseId: string) {
  return em.find(
    ReleaseArtifactEntity,
    { releaseId },
    { orderBy: { platform: "asc", arch: "asc", fileType: "asc" } },
  );
}

async function requireProduct(em: EntityManager, code: string): Promise<void> {
  if (!(await em.findOne(ProductEntity, { code }))) throw AppError.notFound("Product", code);
}

async function requireChannel(em: EntityManager, code: string): Promise<void> {
  if (!(await em.findOne(ReleaseChannelEntity, { code })))
    throw AppError.validation(
      [{ path: "channel", message: `there is no release channel ${code}` }],
      "release",
    );
}

function requireDraft(row: ReleaseRow, what: string): void {
  if (row.state !== "draft")
    throw new AppError("conflict", `Release ${row.version} is ${row.state}: it ${what}`);
}

function checkRange(range: { minUpgradableFrom: string | null; maxUpgradableFrom: string | null }): void {
  const { minUpgradableFrom: min, maxUpgradableFrom: max } = range;
  if (min !== null && max !== null && compareSemver(min, max) > 0) {
    const issues: FieldIssue[] = [
      { path: "maxUpgradableFrom", message: `must not be lower than minUpgradableFrom (${min})` },
    ];
    throw AppError.validation(issues, "release");
  }
}

function channelFields(channel: ReleaseChannel | undefined): Record<string, unknown> {
  if (!channel) return {};
  const { createdAt: _c, updatedAt: _u, ...rest } = channel;
  return rest;
}

function releaseAudit(
  action: string,
  before: ProductRelease | undefined,
  after: ProductRelease | undefined,
  ctx: RequestContext,
) {
  const fields = (release: ProductRelease | undefined) => {
    if (!release) return {};
    const { revision: _r, createdAt: _c, updatedAt: _u, ...rest } = release;
    return {
      ...rest,
      artifacts: rest.artifacts.map((a) => `${a.platform}/${a.arch}/${a.fileType} ${a.sha256}`),
    };
  };
  const release = (after ?? before)!;
  return {
    action,
    entityType: "release",
    entityId: release.id,
    ctx,
    changes: changesBetween(fields(before), fields(after)),
  };
}
