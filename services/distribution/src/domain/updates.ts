import type { BusClient } from "@licensing/bus";
import {
  AppError,
  issuer,
  type ReleaseArtifact,
  type ReleaseChannel,
  type ReleaseDownloads,
  type ReleaseEvent,
  releases,
  type updateCheckRequest,
  type updateCheckResponse,
} from "@licensing/contracts";
import { bestUpgrade, MAX_RELEASES, type ReleaseIndex } from "@licensing/model";
import { type EntityManager, execute, type Orm, query, queryOne } from "@licensing/platform";
import type { z } from "zod";
import { type LicenseRecord, requireNotBlocked } from "./licenses.ts";
import { iso, type Timestamp } from "./rows.ts";

type CheckRequest = z.output<typeof updateCheckRequest>;

/** A release file found for a download, with its release. */
export type ServedArtifact = ReleaseArtifact & {
  product: string;
  channel: string;
  version: string;
  releaseId: string;
  publishedAt: string;
  yanked: boolean;
};

/** `artifact`, unless its release was yanked (403). */
function requireOut(artifact: ServedArtifact): ServedArtifact {
  if (artifact.yanked)
    throw new AppError(
      "forbidden",
      `Release ${artifact.version} was withdrawn (yanked); check for updates again`,
    );
  return artifact;
}
type CheckResponse = z.output<typeof updateCheckResponse>;

/** How long a signed index is valid: a product offline longer than this checks again before trusting it. */
const indexLifetimeMs = 24 * 3600 * 1000;
/** A signed index is re-signed (a fresh expiry) once this old, even when nothing changed. */
const resignAfterMs = 3600 * 1000;
/** How long the channels the catalog answered are trusted before asking again. */
const channelsTtlMs = 60_000;

interface ReleaseRow {
  id: string;
  version: string;
  state: string;
  notes: string;
  min_upgradable_from: string | null;
  max_upgradable_from: string | null;
  published_at: Timestamp;
  artifacts: ReleaseArtifact[];
}

/**
 * Applies a release.published, release.updated or release.yanked event to the read model: an event
 * older than the one applied last (a lower index version) changes nothing, and a yank is final. A
 * change is numbered in the release feed, in commit order (as license changes are).
 */
export async function applyReleaseEvent(em: EntityManager, event: ReleaseEvent): Promise<void> {
  await query(em, "select pg_advisory_xact_lock(hashtext('distribution release changes'))");
  await execute(
    em,
    `insert into distribution.releases
       (id, product, channel, version, state, notes, min_upgradable_from, max_upgradable_from, published_at,
        artifacts, index_version, change_seq, changed_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, nextval('distribution.release_changes'), now())
     on conflict (id) do update set
       state = case when releases.state = 'yanked' then 'yanked' else excluded.state end,
       notes = excluded.notes,
       min_upgradable_from = excluded.min_upgradable_from,
       max_upgradable_from = excluded.max_upgradable_from,
       index_version = excluded.index_version,
       change_seq = excluded.change_seq,
       changed_at = excluded.changed_at
     where releases.index_version < excluded.index_version`,
    [
      event.id,
      event.product,
      event.channel,
      event.version,
      event.state === "yanked" ? "yanked" : "published",
      event.notes,
      event.minUpgradableFrom,
      event.maxUpgradableFrom,
      new Date(event.publishedAt ?? event.updatedAt),
      JSON.stringify(event.artifacts),
      event.indexVersion,
    ],
  );
  await execute(
    em,
    `insert into distribution.release_index_versions (product, channel, index_version) values ($1, $2, $3)
     on conflict (product, channel) do update
       set index_version = greatest(release_index_versions.index_version, excluded.index_version)`,
    [event.product, event.channel, event.indexVersion],
  );
}

/**
 * "Is there an update for me?" (issue 18). Every license of a product entitled to a channel gets the
 * same signed index of the channel (published and yanked releases, cached per index version); the
 * answer picks, among the releases published before the license's end, the best upgrade from the
 * product's current version (the client checks it against the index).
 */
export class Updates {
  readonly #orm: Orm;
  readonly #bus: BusClient;
  readonly #now: () => Date;
  /** Signed indexes by product, channel and index version (a newer version replaces an older one's use). */
  readonly #signed = new Map<
    string,
    { document: string; payload: ReleaseIndex; rows: ReleaseRow[]; signedAt: number }
  >();
  #channels: { items: ReleaseChannel[]; at: number } | undefined;

  constructor(deps: { orm: Orm; bus: BusClient; now: () => Date }) {
    this.#orm = deps.orm;
    this.#bus = deps.bus;
    this.#now = deps.now;
  }

  async check(license: LicenseRecord, request: CheckRequest): Promise<CheckResponse> {
    await this.#requireEntitled(license, request.product, request.channel);
    const index = await this.#index(request.product, request.channel);
    if (!index)
      return { update: false, reason: "up_to_date", release: null, currentYanked: false, index: null };
    const query = {
      currentVersion: request.currentVersion,
      platform: request.platform,
      arch: request.arch,
      ...(request.fileType ? { fileType: request.fileType } : {}),
    };
    const entitled = {
      ...index.payload,
      releases: index.payload.releases.filter(
        (r) => license.endDate === null || Date.parse(r.publishedAt) <= Date.parse(license.endDate),
      ),
    };
    let answer: ReturnType<typeof bestUpgrade>;
    try {
      answer = bestUpgrade(entitled, query);
    } catch {
      throw AppError.validation([
        { path: "currentVersion", message: "must be a semantic version such as 1.4.2" },
      ]);
    }
    if (!answer.upgrade) {
      const reason =
        answer.reason === "up_to_date" && bestUpgrade(index.payload, query).upgrade
          ? "not_entitled"
          : answer.reason;
      return {
        update: false,
        reason,
        release: null,
        currentYanked: answer.currentYanked,
        index: index.document,
      };
    }
    const row = index.rows.find((r) => r.version === answer.release.version)!;
    const stored = row.artifacts.find(
      (a) =>
        a.platform === answer.artifact.platform &&
        a.arch === answer.artifact.arch &&
        a.fileType === answer.artifact.fileType,
    )!;
    return {
      update: true,
      reason: null,
      release: {
        version: row.version,
        publishedAt: iso(row.published_at),
        notes: row.notes,
        artifact: {
          id: stored.id,
          platform: stored.platform,
          arch: stored.arch,
          fileType: stored.fileType,
          fileName: stored.fileName,
          size: stored.size,
          sha256: stored.sha256,
          url: `/v1/updates/artifacts/${stored.id}`,
        },
      },
      currentYanked: answer.currentYanked,
      index: index.document,
    };
  }

  /**
   * The artifact `id` of a release this license is entitled to (its product, its channel's kinds, published
   * before the license's end, not yanked), for its download. 404 for an unknown id.
   */
  async artifact(license: LicenseRecord, id: string): Promise<ServedArtifact> {
    const found = await this.#artifact(id);
    await this.#requireEntitled(license, found.product, found.channel);
    requireOut(found);
    if (license.endDate !== null && Date.parse(found.publishedAt) > Date.parse(license.endDate))
      throw new AppError(
        "forbidden",
        `Release ${found.version} came after this license's end (${license.endDate})`,
      );
    return found;
  }

  /** The artifact `id` of a release that is out (not yanked), for a license server to mirror. */
  async artifactForMirror(id: string): Promise<ServedArtifact> {
    return requireOut(await this.#artifact(id));
  }

  /**
   * A product and channel's current signed index, for a license server to serve as it is until it
   * expires (it asks again well before). 404 before the product and channel's first release.
   */
  async signedIndex(product: string, channel: string) {
    const index = await this.#index(product, channel);
    if (!index) throw AppError.notFound("Release index", `${product}/${channel}`);
    return {
      product,
      channel,
      indexVersion: index.payload.indexVersion,
      expiresAt: index.payload.expiresAt,
      index: index.document,
    };
  }

  async #artifact(id: string): Promise<ServedArtifact> {
    const row = await queryOne<{
      release_id: string;
      product: string;
      channel: string;
      version: string;
      state: string;
      published_at: Timestamp;
      artifact: ReleaseArtifact;
    }>(
      this.#orm,
      `select r.id as release_id, r.product, r.channel, r.version, r.state, r.published_at, a.artifact
       from distribution.releases r, jsonb_array_elements(r.artifacts) as a(artifact)
       where a.artifact->>'id' = $1`,
      [id],
    );
    if (!row) throw AppError.notFound("Artifact", id);
    return {
      ...row.artifact,
      yanked: row.state === "yanked",
      product: row.product,
      channel: row.channel,
      version: row.version,
      releaseId: row.release_id,
      publishedAt: iso(row.published_at),
    };
  }

  /** Counts one download of `artifact` by the license's account (today's row of the file and account). */
  async countDownload(license: LicenseRecord, artifact: { id: string; releaseId: string }): Promise<void> {
    const now = this.#now();
    await execute(
      this.#orm,
      `insert into distribution.release_downloads (artifact_id, account_id, day, release_id, downloads, last_at)
       values ($1, $2, $3::date, $4, 1, $5)
       on conflict (artifact_id, account_id, day)
       do update set downloads = release_downloads.downloads + 1, last_at = excluded.last_at`,
      [artifact.id, license.accountId, now.toISOString().slice(0, 10), artifact.releaseId, now],
    );
  }

  /** A release's downloads: in all, by file, and by account (the 100 with most). */
  async downloads(releaseId: string): Promise<ReleaseDownloads> {
    const byArtifact = await query<{ artifact_id: string; downloads: string }>(
      this.#orm,
      `select artifact_id, sum(downloads) as downloads from distribution.release_downloads
       where release_id = $1 group by artifact_id order by artifact_id`,
      [releaseId],
    );
    const byAccount = await query<{ account_id: string; downloads: string; last_at: Timestamp }>(
      this.#orm,
      `select account_id, sum(downloads) as downloads, max(last_at) as last_at from distribution.release_downloads
       where release_id = $1 group by account_id order by sum(downloads) desc, account_id limit 100`,
      [releaseId],
    );
    return {
      releaseId,
      total: byArtifact.reduce((sum, row) => sum + Number(row.downloads), 0),
      byArtifact: byArtifact.map((row) => ({
        artifactId: row.artifact_id,
        downloads: Number(row.downloads),
      })),
      byAccount: byAccount.map((row) => ({
        accountId: row.account_id,
        downloads: Number(row.downloads),
        lastAt: iso(row.last_at),
      })),
    };
  }

  /** A usable license for `product` whose kind `channel` serves. */
  async #requireEntitled(license: LicenseRecord, product: string, channelCode: string): Promise<void> {
    requireNotBlocked(license);
    if (!license.products.includes(product))
      throw new AppError("forbidden", `This license is not for ${product}`);
    const channel = (await this.#channelList()).find((c) => c.code === channelCode);
    if (!channel) throw AppError.notFound("Release channel", channelCode);
    if (!channel.kinds.includes(license.kind))
      throw new AppError(
        "forbidden",
        `The ${channel.name} channel is for ${channel.kinds.join(" and ")} licenses, not ${license.kind} ones`,
      );
  }

  /** The product and channel's index, signed by the issuer's release key; undefined before any release. */
  async #index(product: string, channel: string) {
    const version = await queryOne<{ index_version: number }>(
      this.#orm,
      "select index_version from distribution.release_index_versions where product = $1 and channel = $2",
      [product, channel],
    );
    if (!version) return undefined;
    const key = `${product}\u0000${channel}\u0000${version.index_version}`;
    const now = this.#now();
    const cached = this.#signed.get(key);
    // The index of a version never changes: the rows are read and the index signed once per version
    // (and again once the signature is an hour old, for a fresh expiry).
    // A clock set back (a negative age) signs afresh too: the cached expiry was reckoned from a later time.
    const age = now.getTime() - (cached?.signedAt ?? 0);
    if (cached && age >= 0 && age <= resignAfterMs) return cached;
    const rows = await query<ReleaseRow>(
      this.#orm,
      `select id, version, state, notes, min_upgradable_from, max_upgradable_from, published_at, artifacts
         from distribution.releases where product = $1 and channel = $2
         order by published_at desc limit ${MAX_RELEASES}`,
      [product, channel],
    );
    const payload: ReleaseIndex = {
      channel,
      expiresAt: new Date(now.getTime() + indexLifetimeMs).toISOString(),
      indexVersion: version.index_version,
      issuedAt: now.toISOString(),
      product,
      releases: rows.map((row) => ({
        artifacts: row.artifacts.map(({ arch, fileName, fileType, platform, sha256, size }) => ({
          arch,
          fileName,
          fileType,
          platform,
          sha256,
          size,
        })),
        ...(row.max_upgradable_from ? { maxUpgradableFrom: row.max_upgradable_from } : {}),
        ...(row.min_upgradable_from ? { minUpgradableFrom: row.min_upgradable_from } : {}),
        publishedAt: iso(row.published_at),
        version: row.version,
        yanked: row.state === "yanked",
      })),
    };
    const { document } = await this.#bus.request(
      issuer.signDocument,
      { purpose: "release-index", payload: payload as unknown as Record<string, unknown> },
      { timeoutMs: 5_000 },
    );
    const signed = { document, payload, rows, signedAt: now.getTime() };
    // Older versions of this product and channel are never asked for again.
    for (const old of this.#signed.keys())
      if (old.startsWith(`${product}\u0000${channel}\u0000`)) this.#signed.delete(old);
    this.#signed.set(key, signed);
    return signed;
  }

  async #channelList(): Promise<ReleaseChannel[]> {
    const cached = this.#channels;
    if (cached && Date.now() - cached.at < channelsTtlMs) return cached.items;
    try {
      const { items } = await this.#bus.request(releases.listChannels, {}, { timeoutMs: 5_000 });
      this.#channels = { items, at: Date.now() };
      return items;
    } catch (error) {
      // The catalog away: the channels it last answered still hold.
      if (cached) return cached.items;
      throw error;
    }
  }
}
