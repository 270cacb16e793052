import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser, type ErrorResponse, type GatewayUnderTest, startGateway } from "./gateway-harness.ts";

let gw: GatewayUnderTest;
beforeAll(async () => {
  gw = await startGateway({ catalog: true });
});
afterAll(() => gw?.stop());

describe("/healthz", () => {
  it("answers while the process and its NATS connection are up, without a session", async () => {
    const response = await new Browser(gw.app).get("/healthz");
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: "ok" });
  });
});

describe("/readyz", () => {
  it("is ready when every required service answers on the bus under this deployment's prefix", async () => {
    const response = await new Browser(gw.app).get("/readyz");
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ready", services: { catalog: 1 } });
  });

  it("is 503 naming the services no instance answers for", async () => {
    const waiting = await gw.startAnother({ requiredServices: ["catalog", "issuer", "notifier"] });
    const response = await waiting.app.inject({ method: "GET", url: "/readyz" });
    expect(response.statusCode).toBe(503);
    const body = response.json<ErrorResponse>();
    expect(body).toMatchObject({ code: "service_unavailable", details: { missing: ["issuer", "notifier"] } });
    expect(body.message).toContain("issuer, notifier");
    expect(body.requestId).toBe(response.headers["x-request-id"]);
  });

  it("does not count services of another deployment (another subject prefix)", async () => {
    const other = await gw.startAnother({ prefix: `${gw.env.prefix}x` });
    const response = await other.app.inject({ method: "GET", url: "/readyz" });
    expect(response.statusCode).toBe(503);
    expect(response.json<ErrorResponse>().details?.missing).toEqual(["catalog"]);
  });
});
