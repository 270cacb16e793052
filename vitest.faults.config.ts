import { defineConfig } from "vitest/config";

// The fault suite (deploy/faults): a native cluster under SIGKILLs and node losses, run on its own
// after `npm test` (`npm run test:faults`), so nothing else competes for the machine meanwhile.
export default defineConfig({
  test: {
    include: ["deploy/faults/**/*.test.ts"],
    globalSetup: ["packages/testing/src/global-setup.ts"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
