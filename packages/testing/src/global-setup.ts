// Vitest global setup: finds (or starts) PostgreSQL and NATS once for the whole run and hands their
// URLs to every test file through `inject("infra")`.
import { resolve } from "node:path";
import { resolveLocalInfra } from "@licensing/deploy/local-infra";
import { ensureUiBuilt } from "@licensing/deploy/ui-build";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    infra: { databaseUrl: string; natsUrl: string };
  }
}

export default async function setup(project: TestProject) {
  const infra = await resolveLocalInfra({
    dataDir: resolve(import.meta.dirname, "../../../.data/test"),
    tryContainers: true,
    log: (line) => console.log(line),
  });
  console.log(`Tests use: ${infra.description.join("; ")}`);
  // Tests that run npm start in parallel would each build the UI at once; build it once here.
  ensureUiBuilt(resolve(import.meta.dirname, "../../.."), (line) => console.log(line));
  project.provide("infra", { databaseUrl: infra.databaseUrl, natsUrl: infra.natsUrl });
  return () => infra.stop();
}
