import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "@licensing/contracts";
import type { FastifyInstance } from "fastify";
import { sendError } from "./errors.ts";

/**
 * How an HTTP service stops taking requests without failing any (docs/operations.md, "Upgrades"):
 * 1. `/readyz` answers 503 at once, so balancers that probe stop sending here; meanwhile requests
 *    are still served, each answer with `Connection: close`, so clients reconnect (elsewhere);
 * 2. after the delay the port closes and idle keep-alive connections with it; a request still
 *    arriving on an open one is answered 503 `service_unavailable` unprocessed (a balancer or the
 *    client tries another replica), and those in flight finish before `close` resolves.
 */
export class HttpDrain {
  #draining = false;
  #closing = false;

  /** Whether a stop has begun (readiness says so). */
  get draining(): boolean {
    return this.#draining;
  }

  /** Installs the hooks on the root instance, before any other onRequest hook. */
  install(app: FastifyInstance): void {
    // Callback hooks (no promise per request): they run on every request of the service.
    app.addHook("onRequest", (_request, reply, done) => {
      if (!this.#closing) return done();
      reply.header("Connection", "close");
      // Answered here: the route never runs (a hook that replies does not call done).
      sendError(reply, new AppError("service_unavailable", "This replica is shutting down: try again"));
    });
    app.addHook("onSend", (_request, reply, payload, done) => {
      if (this.#draining) reply.header("Connection", "close");
      done(null, payload);
    });
  }

  /** Drains `app`: unready for `delayMs` while still serving, then closed once nothing is in flight. */
  async close(app: FastifyInstance, delayMs: number): Promise<void> {
    this.#draining = true;
    if (delayMs > 0) await sleep(delayMs);
    this.#closing = true;
    await app.close();
  }
}
