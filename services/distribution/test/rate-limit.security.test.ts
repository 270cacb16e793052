import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DistributionUnderTest, freshRateWindow, startDistribution } from "./distribution-harness.ts";

let t: DistributionUnderTest;
beforeAll(async () => {
  t = await startDistribution({ rateLimits: { perIp: 5, perKey: 0 } });
});
afterAll(() => t?.stop());

describe("per-address rate limit", () => {
  it("answers 429 with Retry-After once an address sends too much, known key or not", async () => {
    await freshRateWindow();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await t.call("GET", "/v1/license", { key: "LK-1" }));
    expect(answers.slice(0, 5).every((a) => a.statusCode === 400)).toBe(true);
    expect(answers[5]!.statusCode).toBe(429);
    expect(answers[5]!.json()).toMatchObject({ code: "rate_limited" });
    expect(answers[5]!.headers["retry-after"]).toBeDefined();
    // Probes are never limited.
    expect((await t.call("GET", "/healthz")).statusCode).toBe(200);
    expect((await t.call("GET", "/readyz")).statusCode).toBe(200);
  });
});
