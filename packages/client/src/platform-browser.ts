// Browsers: no machine id is readable, so the fingerprint hashes a random id kept in localStorage
// with the user agent; requests use the browser's fetch (and so its own proxy settings).
import { type Platform, sha256Hex } from "./platform.ts";
import { IndexedDbStorage } from "./storage.ts";

/** The installation id's only home: set once, read on each start. */
interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}
const store = () => (globalThis as { localStorage?: KeyValueStore }).localStorage;

export const browserPlatform: Platform = {
  async fingerprint() {
    let id = store()?.getItem("licensing:installation-id") ?? null;
    if (!id) {
      id = crypto.randomUUID();
      store()?.setItem("licensing:installation-id", id);
    }
    const agent = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? "";
    return sha256Hex(["licensing-fingerprint/v1", id, agent].join("\n"));
  },
  hostname: () => (globalThis as { location?: { hostname?: string } }).location?.hostname ?? "browser",
  platform: () => "browser",
  createFetch: () => (input, init) => fetch(input, init),
  defaultStorage: (namespace) => new IndexedDbStorage(`licensing:${namespace}`),
};

export const currentPlatform = browserPlatform;
