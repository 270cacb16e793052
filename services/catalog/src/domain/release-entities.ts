import type { ProductRelease, ReleaseArtifact, ReleaseChannel } from "@licensing/contracts";
import { defineEntity, type InferEntity, p } from "@mikro-orm/core";

/** A release channel, and which license kinds see its releases. */
export const ReleaseChannelEntity = defineEntity({
  name: "ReleaseChannel",
  tableName: "release_channels",
  properties: {
    code: p.text().primary(),
    name: p.text(),
    kinds: p.json<("commercial" | "test")[]>(),
    position: p.integer(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type ReleaseChannelRow = InferEntity<typeof ReleaseChannelEntity>;

/** A release of a product: a draft, then published, perhaps yanked. Its version is unique per product. */
export const ReleaseEntity = defineEntity({
  name: "Release",
  tableName: "releases",
  properties: {
    id: p.text().primary(),
    product: p.text(),
    version: p.text(),
    channel: p.text(),
    notes: p.text(),
    state: p.enum(["draft", "published", "yanked"] as const),
    minUpgradableFrom: p.text().nullable(),
    maxUpgradableFrom: p.text().nullable(),
    publishedAt: p.datetime().nullable(),
    yankedAt: p.datetime().nullable(),
    yankReason: p.text().nullable(),
    createdBy: p.text(),
    revision: p.integer().version(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
  uniques: [{ name: "releases_product_version", properties: ["product", "version"] }],
  indexes: [{ name: "releases_by_product_channel", properties: ["product", "channel", "state"] }],
});
export type ReleaseRow = InferEntity<typeof ReleaseEntity>;

/** One file of a release: one per platform, architecture and file type; its bytes in the artifact store. */
export const ReleaseArtifactEntity = defineEntity({
  name: "ReleaseArtifact",
  tableName: "release_artifacts",
  properties: {
    id: p.text().primary(),
    releaseId: p.text().index("release_artifacts_by_release"),
    platform: p.text(),
    arch: p.text(),
    fileType: p.text(),
    fileName: p.text(),
    size: p.bigint("number"),
    sha256: p.text(),
    storageKey: p.text().unique("release_artifacts_storage_key"),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [
    {
      name: "release_artifacts_one_per_target",
      properties: ["releaseId", "platform", "arch", "fileType"],
    },
  ],
});
export type ReleaseArtifactRow = InferEntity<typeof ReleaseArtifactEntity>;

/** Each product and channel's release index version: grows with every publication and yank. */
export const ReleaseIndexVersionEntity = defineEntity({
  name: "ReleaseIndexVersion",
  tableName: "release_index_versions",
  properties: {
    product: p.text().primary(),
    channel: p.text().primary(),
    indexVersion: p.integer(),
  },
});

export const releaseEntities = [
  ReleaseChannelEntity,
  ReleaseEntity,
  ReleaseArtifactEntity,
  ReleaseIndexVersionEntity,
];

export function toChannel(row: ReleaseChannelRow): ReleaseChannel {
  return {
    code: row.code,
    name: row.name,
    kinds: row.kinds,
    position: row.position,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toArtifact(row: ReleaseArtifactRow): ReleaseArtifact {
  return {
    id: row.id,
    platform: row.platform,
    arch: row.arch,
    fileType: row.fileType,
    fileName: row.fileName,
    size: row.size,
    sha256: row.sha256,
    storageKey: row.storageKey,
    createdAt: row.createdAt.toISOString(),
  };
}

export function toRelease(row: ReleaseRow, artifacts: ReleaseArtifactRow[]): ProductRelease {
  return {
    id: row.id,
    product: row.product,
    version: row.version,
    channel: row.channel,
    notes: row.notes,
    state: row.state,
    minUpgradableFrom: row.minUpgradableFrom ?? null,
    maxUpgradableFrom: row.maxUpgradableFrom ?? null,
    artifacts: artifacts.map(toArtifact),
    publishedAt: row.publishedAt?.toISOString() ?? null,
    yankedAt: row.yankedAt?.toISOString() ?? null,
    createdBy: row.createdBy,
    revision: row.revision,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
