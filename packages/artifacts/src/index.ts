export { type ArtifactStoreConfig, artifactStoreConfig, openArtifactStore } from "./config.ts";
export { FileArtifactStore } from "./file-store.ts";
export { S3ArtifactStore } from "./s3-store.ts";
export {
  ArtifactNotFound,
  type ArtifactStore,
  type ByteRange,
  checkArtifactKey,
  type Digest,
  isArtifactKey,
  type StoredUpload,
} from "./store.ts";
