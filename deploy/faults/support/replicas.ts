// Replicas of one service as processes, as an orchestrator runs them: each can be SIGKILLed and is
// then replaced by a fresh one (its own port), as Kubernetes would restart a crashed pod. The HTTP
// ones are kept in a balancer's rotation.
import { setTimeout as sleep } from "node:timers/promises";
import { type Balancer, type ServiceProcess, startServiceProcess } from "@licensing/testing";

export class Replicas {
  readonly #entry: string;
  readonly #env: () => Record<string, string>;
  readonly #balancer: Balancer | undefined;
  readonly running: ServiceProcess[] = [];
  /** Every process ever started, stopped at the end. */
  readonly all: ServiceProcess[] = [];

  constructor(name: string, env: () => Record<string, string>, balancer?: Balancer) {
    this.#entry = `services/${name}/src/main.ts`;
    this.#env = env;
    this.#balancer = balancer;
  }

  /** Replicas that exited before they were ready and were started again, with why. */
  readonly crashedOnStart: string[] = [];

  /**
   * Starts one more replica and waits until it is ready (in the balancer, for an HTTP service). One
   * that exits while starting (its NATS node died under it, say) is started again after a backoff,
   * as an orchestrator does, up to five times.
   */
  async add(): Promise<ServiceProcess> {
    let replica: ServiceProcess | undefined;
    for (let attempt = 1; !replica; attempt++) {
      try {
        replica = await startServiceProcess(this.#entry, this.#env(), 90_000);
      } catch (error) {
        if (attempt >= 5) throw error;
        this.crashedOnStart.push(String(error).split("\n").slice(0, 2).join(" "));
        await sleep(500 * 2 ** attempt);
      }
    }
    this.all.push(replica);
    if (replica.started.listening) await this.#balancer?.add(replica.started.listening);
    this.running.push(replica);
    return replica;
  }

  /** SIGKILLs replica `index` (what a crash or an OOM kill does) and takes it out of the rotation. */
  async kill(index: number): Promise<void> {
    const [replica] = this.running.splice(index % this.running.length, 1);
    if (!replica) return;
    await replica.stop("SIGKILL");
    if (replica.started.listening) this.#balancer?.remove(replica.started.listening);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((replica) => replica.stop("SIGKILL")));
  }
}
