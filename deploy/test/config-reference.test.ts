import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configTable, readmePath, readmeWithConfigTable } from "../config-reference.ts";

describe("the configuration reference", () => {
  it("is in the README exactly as the config schemas generate it (npm run docs:config)", () => {
    const readme = readFileSync(readmePath, "utf8");
    expect(readmeWithConfigTable(readme)).toBe(readme);
  });

  it("names each variable once, in service-prefixed names with units in the name", () => {
    const names = [...configTable().matchAll(/^\| `([A-Z_]+)`/gm)].map((m) => m[1]!);
    expect(new Set(names).size).toBe(names.length);
    const shared = [
      "NATS_URL",
      "NATS_STREAM_REPLICAS",
      "METRICS_PORT",
      "SUBJECT_PREFIX",
      "LOG_LEVEL",
      "DATABASE_URL",
      "DATABASE_POOL_SIZE",
      "LOCAL_INFRA",
      "LOCAL_NATS",
      "SHUTDOWN_GRACE_SECONDS",
      "SHUTDOWN_DELAY_SECONDS",
      // OpenTelemetry's own name, which collectors' and operators' tooling already knows.
      "OTEL_EXPORTER_OTLP_ENDPOINT",
      "OTEL_TRACES_SAMPLE_RATIO",
      // Every service's bus identity and TLS (docs/operations.md, "The bus").
      "NATS_NKEY_SEED",
      "NATS_TLS_CA_PATH",
      "NATS_TLS_CERT_PATH",
      "NATS_TLS_KEY_PATH",
      "BUS_ACTOR_KEY",
      "BUS_ACTOR_TRUSTED_KEYS",
    ];
    // ARTIFACT_*: the release files' store, which the services that write and serve them share.
    for (const name of names.filter((n) => !shared.includes(n)))
      expect(name).toMatch(/^(ISSUER|NOTIFIER|GATEWAY|DISTRIBUTION|MIGRATION|MAIL_CATCHER|ARTIFACT)_/);
    for (const name of names) expect(name).not.toMatch(/_(MS|S|H|D|HOURS|MINUTES|TTL)$/);
  });
});
