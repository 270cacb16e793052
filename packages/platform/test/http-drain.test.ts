import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import Fastify, { type FastifyBaseLogger } from "fastify";
import { describe, expect, it } from "vitest";
import { apiContentSecurityPolicy, httpServerOptions, installHttpEdge } from "../src/http/index.ts";
import { createLogger } from "../src/index.ts";

// The drain of an HTTP service (http/drain.ts), over a real socket: what a balancer and a client see.
async function started() {
  const app = Fastify(
    httpServerOptions({
      log: createLogger("test", "silent") as FastifyBaseLogger,
      trustProxy: false,
      bodyLimit: 1024,
    }),
  );
  const drain = installHttpEdge(app, {
    who: "test service",
    contentSecurityPolicy: () => apiContentSecurityPolicy,
    strictTransportSecurity: () => false,
  });
  app.get("/slow", async () => {
    await sleep(600);
    return { done: true };
  });
  app.get("/fast", async () => ({ done: true }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, drain, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

describe("draining an HTTP service", () => {
  it("is unready but serving during the delay, finishes what is in flight, then refuses connections", async () => {
    const { app, drain, base } = await started();
    expect((await fetch(`${base}/fast`)).headers.get("connection")).not.toBe("close");
    const inFlight = fetch(`${base}/slow`);
    await sleep(100);
    const closing = drain.close(app, 300);
    expect(drain.draining).toBe(true);

    // The delay: still served, each answer closing its connection so clients reconnect elsewhere.
    const during = await fetch(`${base}/fast`);
    expect(during.status).toBe(200);
    expect(during.headers.get("connection")).toBe("close");

    // The request taken before the stop is answered in full before close resolves.
    const slow = await inFlight;
    expect(slow.status).toBe(200);
    expect(await slow.json()).toEqual({ done: true });
    await closing;
    await expect(fetch(`${base}/fast`)).rejects.toMatchObject({ cause: { code: "ECONNREFUSED" } });
  });

  it("does not wait for idle keep-alive connections, and never cuts a request in flight", async () => {
    const { app, drain, base } = await started();
    await (await fetch(`${base}/fast`)).json(); // its connection stays open, idle (72 s keep-alive)
    const inFlight = fetch(`${base}/slow`);
    await sleep(100);
    const closedAt = Date.now();
    await drain.close(app, 0);
    expect((await inFlight).status).toBe(200);
    expect(Date.now() - closedAt).toBeLessThan(2_000);
  });
});
