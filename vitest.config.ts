import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "{packages,services}/*/test/**/*.test.ts",
      "deploy/test/**/*.test.ts",
      "ui/test/**/*.test.{ts,tsx}",
      "modules/*/*/test/**/*.test.{ts,tsx}",
    ],
    globalSetup: ["packages/testing/src/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // expect.poll gives up after 1 s by default: on a busy shared machine a page or a consumer can
    // take longer to get there, and a poll that would have passed fails the run.
    expect: { poll: { timeout: 10_000 } },
  },
});
