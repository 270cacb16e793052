import type { StateMac } from "./state-seal.ts";
import type { ClientStorage } from "./storage.ts";

/** A fetch function (the global one, or one that goes through a proxy). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** What differs between Node and browsers: the machine, the network, the storage. */
export interface Platform {
  /** A stable hash identifying this machine. */
  fingerprint(): Promise<string>;
  hostname(): string;
  /** e.g. `linux-x64`, `browser`. */
  platform(): string;
  /** `proxy`: a URL to always use, false for none, undefined to follow the environment. */
  createFetch(proxy: string | false | undefined): FetchLike;
  defaultStorage(namespace: string): ClientStorage;
  /** The MAC of the offline state, keyed from the fingerprint (WebCrypto when not given). */
  stateMac?(fingerprint: string, namespace: string): Promise<StateMac>;
  /** What release files this machine takes: operating system and architecture as release indexes name them. */
  updateTarget?(): { platform: string; arch: string };
  /** Files for downloads (Node; browsers have none): where an update is saved. */
  files?: DownloadFiles;
}

/** The few file operations a resumable download needs. */
export interface DownloadFiles {
  /** The size of `path`, 0 when there is no such file. */
  size(path: string): Promise<number>;
  /** Reads `path` to its end, chunk by chunk (to hash what a resumed download already has). */
  read(path: string): AsyncIterable<Uint8Array>;
  /** Appends `chunks` to `path` (created when missing) and flushes them to the disk. */
  append(path: string, chunks: AsyncIterable<Uint8Array>): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
}

/** Lower-case hex SHA-256 of a text, with WebCrypto (Node and browsers). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
