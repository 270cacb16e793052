// What a load balancer in front of distribution replicas does, as a `fetch` for the client: round
// robin over the replicas whose /readyz says ready (polled every 100 ms), and a retry on another
// replica of what was certainly not processed — a refused connection, or a 503 answered to a
// request the replica did not take — and, as nginx's `proxy_next_upstream error` does, of a GET or
// HEAD whose connection broke before any answer (a replica closing an idle keep-alive connection
// as the request went out on it). Anything else that fails (a reset of a write, a timeout, another
// 5xx) is a request lost or failed in flight, recorded in `unsafe`.
import { setTimeout as sleep } from "node:timers/promises";

interface Target {
  url: string;
  ready: boolean;
}

export class Balancer {
  readonly #targets: Target[] = [];
  readonly #poller: NodeJS.Timeout;
  #next = 0;
  /** Requests that failed in a way a balancer must not retry for the client. */
  readonly unsafe: string[] = [];
  /** Attempts sent again to another replica. */
  retried = 0;

  constructor() {
    this.#poller = setInterval(() => void this.#poll(), 100);
  }

  /** Adds a replica (`http://host:port`) once its /readyz says ready. */
  async add(url: string): Promise<void> {
    const target = { url, ready: false };
    for (let tries = 0; !(await isReady(url)); tries++) {
      if (tries > 200) throw new Error(`${url} never became ready`);
      await sleep(50);
    }
    target.ready = true;
    this.#targets.push(target);
  }

  remove(url: string): void {
    const at = this.#targets.findIndex((target) => target.url === url);
    if (at >= 0) this.#targets.splice(at, 1);
  }

  stop(): void {
    clearInterval(this.#poller);
  }

  /** A FetchLike: `input`'s origin is replaced by a replica's. */
  fetch = async (input: string, init?: RequestInit): Promise<Response> => {
    const path = new URL(input).pathname + new URL(input).search;
    for (let attempt = 0; ; attempt++) {
      const target = this.#pick();
      try {
        const response = await fetch(`${target.url}${path}`, init);
        if (response.status !== 503 || attempt >= 50) return response;
        const body = await response.text();
        // A 503 of the service itself (a dependency down) is the client's to see and retry later.
        if (!body.includes("shutting down")) return new Response(body, response);
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code ?? "";
        const idempotent = ["GET", "HEAD"].includes(init?.method ?? "GET");
        const unprocessed = code === "ECONNREFUSED" || (idempotent && brokenConnection.has(code));
        if (!unprocessed || attempt >= 50) {
          this.unsafe.push(`${init?.method ?? "GET"} ${path} to ${target.url}: ${describe(error)}`);
          throw error;
        }
      }
      this.retried++;
      await sleep(10);
    }
  };

  #pick(): Target {
    const ready = this.#targets.filter((target) => target.ready);
    const from = ready.length > 0 ? ready : this.#targets;
    return from[this.#next++ % from.length]!;
  }

  async #poll(): Promise<void> {
    for (const target of this.#targets) target.ready = await isReady(target.url);
  }
}

/** How a connection that broke before any answer shows in undici's `fetch failed` cause. */
const brokenConnection = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
