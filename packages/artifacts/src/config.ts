import { z } from "zod";
import { FileArtifactStore } from "./file-store.ts";
import { S3ArtifactStore } from "./s3-store.ts";
import type { ArtifactStore } from "./store.ts";

/**
 * The settings of the artifact store, for the configuration of the services that keep or serve
 * release artifacts (they extend their own with it; documented like every other setting).
 */
export const artifactStoreConfig = z.object({
  ARTIFACT_STORE: z.enum(["fs", "s3"]).default("fs").meta({
    description:
      "where release artifacts are kept: `fs`, a directory (ARTIFACT_DIR, shared by every replica), or `s3`, an S3-compatible bucket (ARTIFACT_S3_*)",
  }),
  ARTIFACT_DIR: z.string().min(1).default(".data/artifacts").meta({
    description: "the directory of `fs` artifacts; replicas on several machines need it on a shared volume",
    npmStart: "`.data/artifacts`",
  }),
  ARTIFACT_UPLOAD_EXPIRY_SECONDS: z.coerce
    .number()
    .int()
    .min(3_600)
    .max(365 * 86_400)
    .default(86_400)
    .meta({
      description:
        "an upload unchanged for this long is swept: unfinished, or finished but attached to no release (the gateway looks hourly)",
    }),
  ARTIFACT_S3_BUCKET: z.string().min(3).max(63).optional().meta({
    description: "the bucket of `s3` artifacts (credentials from the AWS SDK's chain: AWS_ACCESS_KEY_ID…)",
  }),
  ARTIFACT_S3_REGION: z.string().min(1).default("us-east-1").meta({ description: "the bucket's region" }),
  ARTIFACT_S3_ENDPOINT: z
    .url({ protocol: /^https?$/ })
    .optional()
    .meta({
      description: "an S3-compatible service's address (MinIO, Ceph, R2…); unset: AWS",
    }),
  ARTIFACT_S3_FORCE_PATH_STYLE: z
    .enum(["true", "false"])
    .default("false")
    .transform((text) => text === "true")
    .meta({ description: "`true` for services that address buckets by path (MinIO)" }),
});
export type ArtifactStoreConfig = z.output<typeof artifactStoreConfig>;

/** The store `config` names. An `s3` store without a bucket is a configuration error. */
export async function openArtifactStore(config: ArtifactStoreConfig): Promise<ArtifactStore> {
  if (config.ARTIFACT_STORE === "fs") return FileArtifactStore.open(config.ARTIFACT_DIR);
  if (!config.ARTIFACT_S3_BUCKET) throw new Error("ARTIFACT_S3_BUCKET is needed when ARTIFACT_STORE is s3");
  return new S3ArtifactStore({
    bucket: config.ARTIFACT_S3_BUCKET,
    client: {
      region: config.ARTIFACT_S3_REGION,
      forcePathStyle: config.ARTIFACT_S3_FORCE_PATH_STYLE,
      ...(config.ARTIFACT_S3_ENDPOINT ? { endpoint: config.ARTIFACT_S3_ENDPOINT } : {}),
    },
  });
}
