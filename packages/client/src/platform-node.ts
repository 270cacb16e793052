// Node: the machine's own identifiers for the fingerprint, undici for proxies, SQLite for state.
export { FileStorage, type FileStorageOptions } from "./file-storage.ts";

import { execFileSync } from "node:child_process";
import { createHmac, createSecretKey, hkdfSync } from "node:crypto";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { arch, homedir, hostname, platform } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Agent, type Dispatcher, EnvHttpProxyAgent, ProxyAgent, fetch as undiciFetch } from "undici";
import { FileStorage } from "./file-storage.ts";
import { type FetchLike, type Platform, sha256Hex } from "./platform.ts";
import { stateKeyInfo } from "./state-seal.ts";

/** The OS's machine id: /etc/machine-id, the macOS platform UUID, the Windows MachineGuid. */
function machineId(): string {
  const attempts: (() => string)[] = [
    () => readFileSync("/etc/machine-id", "utf8"),
    () => readFileSync("/var/lib/dbus/machine-id", "utf8"),
    () => {
      const out = execFileSync("ioreg", ["-rd1", "-c", "IOPlatformExpertDevice"], {
        encoding: "utf8",
        timeout: 3_000,
      });
      return /"IOPlatformUUID" = "([^"]+)"/.exec(out)?.[1] ?? "";
    },
    () => {
      const out = execFileSync(
        "reg",
        ["query", "HKLM\\SOFTWARE\\Microsoft\\Cryptography", "/v", "MachineGuid"],
        {
          encoding: "utf8",
          timeout: 3_000,
        },
      );
      return /MachineGuid\s+REG_SZ\s+(\S+)/.exec(out)?.[1] ?? "";
    },
  ];
  const ours = platform();
  const order = ours === "darwin" ? [2] : ours === "win32" ? [3] : [0, 1];
  for (const i of order) {
    try {
      const id = attempts[i]!().trim();
      if (id) return id;
    } catch {
      // not available here; fall through
    }
  }
  return "";
}

const dispatchers = new Map<string, Dispatcher>();

export const nodePlatform: Platform = {
  async fingerprint() {
    return sha256Hex(["licensing-fingerprint/v1", machineId(), hostname(), platform(), arch()].join("\n"));
  },
  hostname: () => hostname(),
  platform: () => `${platform()}-${arch()}`,
  createFetch(proxy) {
    // EnvHttpProxyAgent follows HTTPS_PROXY / HTTP_PROXY / NO_PROXY (read when it is made).
    const id = proxy === undefined ? "env" : proxy === false ? "none" : `proxy ${proxy}`;
    let dispatcher = proxy === undefined ? undefined : dispatchers.get(id);
    if (!dispatcher) {
      dispatcher =
        proxy === undefined ? new EnvHttpProxyAgent() : proxy === false ? new Agent() : new ProxyAgent(proxy);
      if (proxy !== undefined) dispatchers.set(id, dispatcher);
    }
    const through = dispatcher;
    return ((input, init) => undiciFetch(input, { ...(init as object), dispatcher: through })) as FetchLike;
  },
  defaultStorage(namespace) {
    return new FileStorage(process.env.LICENSING_STATE_DIR ?? join(homedir(), ".licensing", namespace));
  },
  updateTarget: () => ({
    // As release indexes name them: windows, macos, linux…; x64, arm64…
    platform: { win32: "windows", darwin: "macos" }[platform() as string] ?? platform(),
    arch: arch(),
  }),
  files: {
    size: (path) =>
      stat(path).then(
        (s) => s.size,
        () => 0,
      ),
    read: (path) => createReadStream(path),
    append: (path, chunks) =>
      pipeline(Readable.from(chunks), createWriteStream(path, { flags: "a", flush: true })),
    rename: (from, to) => rename(from, to),
    remove: (path) => rm(path, { force: true }),
  },
  async stateMac(fingerprint, namespace) {
    const { salt, info } = stateKeyInfo(namespace);
    // A KeyObject, made once: createHmac given raw bytes makes one on every call (~20 µs in Node 24).
    const key = createSecretKey(Buffer.from(hkdfSync("sha256", fingerprint, salt, info, 32)));
    return { sign: (text) => createHmac("sha256", key).update(text).digest("base64") };
  },
};

export const currentPlatform = nodePlatform;
