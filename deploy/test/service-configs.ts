// What each deployed service reads from its environment, from the config schemas themselves, so the
// deployment files are checked against the code rather than against a list kept by hand.
import { catalogConfig } from "@licensing/catalog/config";
import { distributionConfig } from "@licensing/distribution/config";
import { gatewayConfig } from "@licensing/gateway/config";
import { issuerConfig } from "@licensing/issuer/config";
import { migrationConfig } from "@licensing/migration/config";
import { notifierConfig } from "@licensing/notifier/config";
import { secretVariablesOf } from "@licensing/platform";
import { z } from "zod";
import type { ContainerServiceName } from "../container-services.ts";

const schemas: Record<ContainerServiceName, z.ZodType> = {
  catalog: catalogConfig,
  issuer: issuerConfig,
  distribution: distributionConfig,
  notifier: notifierConfig,
  migration: migrationConfig,
  gateway: gatewayConfig,
};

/** The variables a service reads, and those it requires (no default). */
export function serviceVariables(service: ContainerServiceName): { read: string[]; required: string[] } {
  const json = z.toJSONSchema(schemas[service], { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return { read: Object.keys(json.properties ?? {}), required: json.required ?? [] };
}

/**
 * Whether `variable` is set among `names`, directly or as `<variable>_FILE` (a secret mounted as a
 * file, which loadConfig reads into the variable, for the secrets only).
 */
export function isSet(variable: string, names: Iterable<string>): boolean {
  const set = new Set(names);
  return set.has(variable) || (isSecret(variable) && set.has(`${variable}_FILE`));
}

/** The variables marked `secret` in any service's schema: those that may come from a file. */
const secrets = new Set(Object.values(schemas).flatMap(secretVariablesOf));
const isSecret = (variable: string) => secrets.has(variable);

/** Names that are not variables the service reads (a typo, or a setting of another service). */
export function unknownVariables(service: ContainerServiceName, names: Iterable<string>): string[] {
  const read = new Set(serviceVariables(service).read);
  const fromFile = (name: string) => name.endsWith("_FILE") && isSecret(name.slice(0, -"_FILE".length));
  return [...names].filter((name) => !read.has(name) && !(fromFile(name) && read.has(name.slice(0, -5))));
}
