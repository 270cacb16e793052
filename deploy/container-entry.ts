// The container image's entry point: `node deploy/container-entry.ts <service>` runs that service's
// main in this process (so it is PID 1's own code that receives SIGTERM and drains). One image for
// every service; the orchestrator chooses which by argument.
//
// A secret mounted as a file (Compose secrets, Kubernetes secret volumes) is passed as
// `<VARIABLE>_FILE=<path>` (the variables of `secretVariables`): the entry reads it into
// `<VARIABLE>` before the service parses its configuration, so the services read only their
// environment.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { containerServices, findContainerService, secretVariables } from "./container-services.ts";

const name = process.argv[2];
const service = findContainerService(name);
if (!service) {
  const names = containerServices.map((s) => s.name).join(", ");
  console.error(`Usage: container-entry <service>, one of: ${names}${name ? ` (not "${name}")` : ""}`);
  process.exit(64);
}
for (const target of secretVariables) {
  const variable = `${target}_FILE`;
  const path = process.env[variable];
  if (!path || process.env[target]) continue;
  try {
    process.env[target] = readFileSync(path, "utf8").trim();
  } catch (error) {
    console.error(
      `${variable}: cannot read ${path} (${error instanceof Error ? error.message : String(error)})`,
    );
    process.exit(2);
  }
}
await import(pathToFileURL(resolve(import.meta.dirname, "..", service.entry)).href);
