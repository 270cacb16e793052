// A nats-server of its own that authenticates every client (one NKey per bus identity) and enforces
// the permissions table of @licensing/contracts, through the configuration deploy/nats-auth.ts
// generates from it: what a deployment runs, on free ports, its store under a temporary folder.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BusIdentity, busIdentities } from "@licensing/contracts";
import { natsAuthorization } from "@licensing/deploy/nats-auth";
import { jetstreamManager } from "@nats-io/jetstream";
import { createUser } from "@nats-io/nkeys";
import { connect, nkeyAuthenticator } from "@nats-io/transport-node";
import { freePort } from "./free-port.ts";

export interface SecureNats {
  url: string;
  /** Each identity's NKey seed (`SU…`): what NATS_NKEY_SEED takes. */
  seeds: Record<BusIdentity, string>;
  /** A seed with every right, for the test's own housekeeping. */
  adminSeed: string;
  /** The generated configuration file. */
  configFile: string;
  /** What the server logged so far (permission violations among it). */
  log(): string;
  stop(): Promise<void>;
}

export async function startSecureNats(prefixes: readonly string[]): Promise<SecureNats> {
  const binary = process.env.NATS_SERVER_BIN ?? "nats-server";
  const root = mkdtempSync(join(tmpdir(), "nats-secure-"));
  const port = await freePort();
  const seeds = {} as Record<BusIdentity, string>;
  const users: Partial<Record<BusIdentity, string>> = {};
  for (const identity of busIdentities) {
    const pair = createUser();
    seeds[identity] = new TextDecoder().decode(pair.getSeed());
    users[identity] = pair.getPublicKey();
  }
  const admin = createUser();
  const configFile = join(root, "nats-server.conf");
  writeFileSync(
    configFile,
    [
      `host: "127.0.0.1"`,
      `port: ${port}`,
      `jetstream { store_dir: ${JSON.stringify(join(root, "store"))} }`,
      natsAuthorization({ prefixes, users, admins: [admin.getPublicKey()] }),
    ].join("\n"),
  );
  let printed = "";
  const child: ChildProcess = spawn(binary, ["-c", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [child.stdout, child.stderr])
    stream?.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  const url = `nats://127.0.0.1:${port}`;
  const adminSeed = new TextDecoder().decode(admin.getSeed());
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const nc = await connect({
        servers: url,
        timeout: 1_000,
        authenticator: nkeyAuthenticator(new TextEncoder().encode(adminSeed)),
      });
      try {
        await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
        break;
      } finally {
        await nc.close();
      }
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`nats-server with ${configFile} did not come up: ${String(error)}\n${printed}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    url,
    seeds,
    adminSeed,
    configFile,
    log: () => printed,
    async stop() {
      child.kill("SIGTERM");
      if (child.exitCode === null) await new Promise((done) => child.once("exit", done));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
