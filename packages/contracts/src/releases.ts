import { artifactSchema, isSemver, MAX_SEMVER_LENGTH } from "@licensing/model";
import { z } from "zod";
import { codeSchema } from "./catalog.ts";
import { defineEndpoint } from "./endpoint.ts";
import { defineEvent } from "./event.ts";
import { licenseKindSchema } from "./license.ts";
import { idOf, text, timestamp } from "./schema.ts";

// The Update server's data (issue 18): release channels, releases of each product and their
// artifacts. Kept by the catalog, beside the products they belong to; the bytes of each artifact are
// in the artifact store (@licensing/artifacts), named by its storage key, never on the bus.

// ---------- Channels ----------

/**
 * A channel: which kinds of license see its releases. A fresh install has `stable` (commercial and
 * test licenses) and `beta` (test licenses only).
 */
export const releaseChannelSchema = z.object({
  code: codeSchema,
  name: z.string(),
  /** The license kinds entitled to the channel's releases. */
  kinds: z.array(licenseKindSchema),
  /** Where the channel comes in lists, lowest first. */
  position: z.number().int(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type ReleaseChannel = z.infer<typeof releaseChannelSchema>;

const saveChannelRequest = z.strictObject({
  code: codeSchema,
  name: text(100),
  kinds: z
    .array(licenseKindSchema)
    .min(1, { message: "must name at least one license kind" })
    .max(2)
    .refine((kinds) => new Set(kinds).size === kinds.length, { message: "must not name a kind twice" }),
  position: z.number().int().min(0).max(1_000).default(0),
});

// ---------- Releases ----------

const semver = z
  .string()
  .trim()
  .refine(isSemver, {
    message: `must be a semantic version such as 1.4.2 (at most ${MAX_SEMVER_LENGTH} characters)`,
  });

/** An artifact's members as a release index carries them (the index refuses what they refuse). */
const indexArtifact = artifactSchema.shape;
export const artifactSchemaFields = indexArtifact;

/** The largest release file an upload may bring (8 GiB). */
export const MAX_ARTIFACT_BYTES = 8 * 1024 ** 3;

export const releaseStates = ["draft", "published", "yanked"] as const;

export const releaseArtifactSchema = z.object({
  id: idOf("artifact"),
  platform: z.string(),
  arch: z.string(),
  fileType: z.string(),
  fileName: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  /** Where the artifact store keeps the bytes (the upload's id). */
  storageKey: z.string(),
  createdAt: timestamp,
});
export type ReleaseArtifact = z.infer<typeof releaseArtifactSchema>;

export const productReleaseSchema = z.object({
  id: idOf("release"),
  product: codeSchema,
  version: z.string(),
  channel: codeSchema,
  /** Markdown. */
  notes: z.string(),
  state: z.enum(releaseStates),
  /** Lowest version this release installs over (inclusive); null: no lower bound. */
  minUpgradableFrom: z.string().nullable(),
  /** Highest version this release installs over (inclusive); null: no upper bound. */
  maxUpgradableFrom: z.string().nullable(),
  artifacts: z.array(releaseArtifactSchema),
  publishedAt: timestamp.nullable(),
  yankedAt: timestamp.nullable(),
  /** The username of who drafted it. */
  createdBy: z.string(),
  /** Grows with every change: what `expectedRevision` compares with. */
  revision: z.number().int(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type ProductRelease = z.infer<typeof productReleaseSchema>;

/** Markdown release notes: long enough for any changelog, short enough for one bus message. */
export const MAX_RELEASE_NOTES_LENGTH = 50_000;
const notes = z.string().max(MAX_RELEASE_NOTES_LENGTH);
const releaseRef = z.strictObject({ id: idOf("release") });

const upgradableFrom = {
  minUpgradableFrom: semver.nullable().optional(),
  maxUpgradableFrom: semver.nullable().optional(),
};

const createReleaseRequest = z.strictObject({
  product: codeSchema,
  version: semver,
  channel: codeSchema.default("stable"),
  notes: notes.default(""),
  ...upgradableFrom,
});

const updateReleaseRequest = z.strictObject({
  id: idOf("release"),
  expectedRevision: z.number().int().min(1).optional(),
  /** A draft's only: a published release stays on the channel it was offered on. */
  channel: codeSchema.optional(),
  notes: notes.optional(),
  ...upgradableFrom,
});

const addArtifactRequest = z.strictObject({
  releaseId: idOf("release"),
  platform: indexArtifact.platform,
  arch: indexArtifact.arch,
  fileType: indexArtifact.fileType,
  fileName: indexArtifact.fileName,
  size: indexArtifact.size,
  sha256: indexArtifact.sha256,
  storageKey: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, { message: "must be an artifact store key" }),
});

const listReleasesRequest = z.strictObject({
  product: codeSchema,
  channel: codeSchema.optional(),
  state: z.enum(releaseStates).optional(),
});

/**
 * What release.published, release.updated (a published or yanked release's notes or range corrected)
 * and release.yanked carry: the release, and its channel's new index version.
 */
export const releaseEventSchema = productReleaseSchema.extend({
  /** The product and channel's release index version after this change (it only grows). */
  indexVersion: z.number().int(),
});
export type ReleaseEvent = z.infer<typeof releaseEventSchema>;

export const releases = {
  listChannels: defineEndpoint({
    service: "catalog",
    subject: "catalog.release-channel.list",
    summary: "The release channels, in their order, with the license kinds each one serves",
    request: z.strictObject({}),
    response: z.object({ items: z.array(releaseChannelSchema) }),
    errors: [],
    callers: ["gateway", "distribution"],
  }),
  saveChannel: defineEndpoint({
    service: "catalog",
    subject: "catalog.release-channel.save",
    summary: "Create a release channel or change its name, kinds and position",
    request: saveChannelRequest,
    response: releaseChannelSchema,
    errors: ["validation_failed"],
  }),
  deleteChannel: defineEndpoint({
    service: "catalog",
    subject: "catalog.release-channel.delete",
    summary: "Remove a release channel that no release uses",
    request: z.strictObject({ code: codeSchema }),
    response: z.object({ code: codeSchema, deleted: z.literal(true) }),
    errors: ["validation_failed", "not_found", "conflict"],
  }),
  createRelease: defineEndpoint({
    service: "catalog",
    subject: "catalog.release.create",
    summary: "Start a release of a product as a draft: version, channel, notes, upgradable-from range",
    request: createReleaseRequest,
    response: productReleaseSchema,
    errors: ["validation_failed", "not_found", "already_exists"],
  }),
  updateRelease: defineEndpoint({
    service: "catalog",
    subject: "catalog.release.update",
    summary: "Change a release's notes and upgradable-from range (and a draft's channel)",
    request: updateReleaseRequest,
    response: productReleaseSchema,
    errors: ["validation_failed", "not_found", "conflict"],
  }),
  addArtifact: defineEndpoint({
    service: "catalog",
    subject: "catalog.release.artifact.add",
    summary: "Attach an uploaded file to a draft release: one per platform, architecture and file type",
    request: addArtifactRequest,
    response: productReleaseSchema,
    errors: ["validation_failed", "not_found", "already_exists", "conflict"],
  }),
  removeArtifact: defineEndpoint({
    service: "catalog",
    subject: "catalog.release.artifact.remove",
    summary: "Detach a file from a draft release (the caller removes its bytes from the store)",
    request: z.strictObject({ releaseId: idOf("release"), artifactId: idOf("artifact") }),
    response: productReleaseSchema,
    errors: ["validation_failed", "not_found", "conflict"],
  }),
  publishRelease: defineEndpoint({
    service: "catalog",
    subject: "catalog.release.publish",
    summary: "Publish a draft release that has at least one artifact: entitled licenses are offered it",
    request: releaseRef,
    response: productReleaseSchema,
    errors: ["validation_failed", "not_found", "conflict"],
  }),
  yankRelease: defineEndpoint({
    service: "catalog",
    subject: "catalog.release.yank",
    summary: "Withdraw a published release: never offered again, listed so that products running it know",
    request: z.strictObject({
      id: idOf("release"),
      reason: z.string().trim().min(3, { message: "must say why (at least 3 characters)" }).max(1_000),
    }),
    response: productReleaseSchema,
    errors: ["validation_failed", "not_found", "conflict"],
  }),
  deleteRelease: defineEndpoint({
    service: "catalog",
    subject: "catalog.release.delete",
    summary: "Delete a draft release (the caller removes its artifacts' bytes from the store)",
    request: releaseRef,
    response: productReleaseSchema,
    errors: ["validation_failed", "not_found", "conflict"],
  }),
  knownArtifactKeys: defineEndpoint({
    service: "catalog",
    subject: "catalog.release.artifact.known",
    summary:
      "Which of these artifact storage keys belong to a release (the gateway's sweep of unattached uploads)",
    request: z.strictObject({ keys: z.array(z.string().min(1).max(128)).max(1_000) }),
    response: z.object({ known: z.array(z.string()) }),
    errors: ["validation_failed"],
    callers: ["gateway"],
  }),
  getRelease: defineEndpoint({
    service: "catalog",
    subject: "catalog.release.get",
    summary: "One release with its artifacts",
    request: releaseRef,
    response: productReleaseSchema,
    errors: ["validation_failed", "not_found"],
    callers: ["gateway", "distribution"],
  }),
  listReleases: defineEndpoint({
    service: "catalog",
    subject: "catalog.release.list",
    summary: "A product's releases, newest version first, optionally of one channel or state",
    request: listReleasesRequest,
    response: z.object({ items: z.array(productReleaseSchema) }),
    errors: ["validation_failed"],
    callers: ["gateway", "distribution"],
  }),
};

export const releaseEvents = {
  releasePublished: defineEvent("release.published", releaseEventSchema),
  releaseUpdated: defineEvent("release.updated", releaseEventSchema),
  releaseYanked: defineEvent("release.yanked", releaseEventSchema),
};
