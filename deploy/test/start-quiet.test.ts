import { type StartedPlatform, startPlatform } from "@licensing/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `npm start` with the services' logs turned down: start-up must not hang on log lines it never
// gets, and the person at the terminal must still see the addresses and the first credentials.
describe.each(["warn", "silent"])("npm start with LOG_LEVEL=%s", (level) => {
  let platform: StartedPlatform;
  beforeAll(async () => {
    platform = await startPlatform({ LOG_LEVEL: level });
  }, 180_000);
  afterAll(() => platform?.stop());

  it("comes up, prints where it is and the first superadmin, and the services log nothing below the level", async () => {
    const output = platform.output();
    expect(output).toContain("The platform is up");
    // Info lines of the services, which this level hides.
    expect(output).not.toMatch(/gateway listening on|distribution API listening on/);
    if (level === "silent") expect(output).not.toContain("FIRST SUPERADMIN CREATED");

    const [, username, password] = /First superadmin\s+(\S+) \/ (\S+)/.exec(output) ?? [];
    const signIn = await fetch(`${platform.uiUrl}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    expect(signIn.status).toBe(200);
    expect((await fetch(`${platform.uiUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${platform.distributionUrl}/readyz`)).status).toBe(200);
  });

  it("stops on SIGTERM", async () => {
    expect(await platform.stop()).toBe(0);
  });
});
