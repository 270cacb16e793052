// A NATS cluster on this machine, for tests that must see what a production cluster does: three
// `nats-server` processes (Debian's, or NATS_SERVER_BIN) joined by routes, JetStream on each with its
// own store under a temporary folder, every port a free one. A node can be killed and started again.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { freePort } from "./free-port.ts";

export interface NatsCluster {
  /** Every node's client URL, comma-separated: what NATS_URL takes. */
  url: string;
  urls: string[];
  /** SIGKILLs node `index` (its store stays, as a crashed machine's disk would). */
  kill(index: number): Promise<void>;
  /** Starts node `index` again on the same ports and store. */
  restart(index: number): Promise<void>;
  stop(): Promise<void>;
}

interface Node {
  name: string;
  clientPort: number;
  clusterPort: number;
  store: string;
  process?: ChildProcess;
}

export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const binary = process.env.NATS_SERVER_BIN ?? "nats-server";
  const root = mkdtempSync(join(tmpdir(), "nats-cluster-"));
  const nodes: Node[] = [];
  for (let i = 0; i < size; i++)
    nodes.push({
      name: `n${i}`,
      clientPort: await freePort(),
      clusterPort: await freePort(),
      store: join(root, `n${i}`),
    });
  const routes = nodes.map((n) => `nats://127.0.0.1:${n.clusterPort}`).join(",");

  const start = (node: Node) => {
    node.process = spawn(
      binary,
      [
        "--name",
        node.name,
        "--addr",
        "127.0.0.1",
        "--port",
        String(node.clientPort),
        "--jetstream",
        "--store_dir",
        node.store,
        "--cluster_name",
        "licensing-test",
        "--cluster",
        `nats://127.0.0.1:${node.clusterPort}`,
        "--routes",
        routes,
      ],
      { stdio: "ignore" },
    );
  };
  for (const node of nodes) start(node);
  const urls = nodes.map((n) => `nats://127.0.0.1:${n.clientPort}`);
  await untilJetStreamAnswers(urls);

  const exited = (node: Node) =>
    new Promise<void>((done) => {
      if (!node.process || node.process.exitCode !== null || node.process.signalCode !== null) done();
      else node.process.once("exit", () => done());
    });
  return {
    url: urls.join(","),
    urls,
    async kill(index) {
      const node = nodes[index]!;
      node.process?.kill("SIGKILL");
      await exited(node);
    },
    async restart(index) {
      start(nodes[index]!);
      await untilJetStreamAnswers([urls[index]!]);
    },
    async stop() {
      for (const node of nodes) node.process?.kill("SIGTERM");
      await Promise.all(nodes.map(exited));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Waits until JetStream answers through `servers` (the cluster has elected its meta leader). */
async function untilJetStreamAnswers(servers: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const nc = await connect({ servers, timeout: 1_000 });
      try {
        await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`NATS cluster did not come up: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
