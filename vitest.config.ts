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
  },
});
