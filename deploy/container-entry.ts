// The container image's entry point: `node deploy/container-entry.ts <service>` runs that service's
// main in this process (so it is PID 1's own code that receives SIGTERM and drains). One image for
// every service; the orchestrator chooses which by argument.
//
// A secret mounted as a file (Compose secrets, Kubernetes secret volumes) is passed as
// `<VARIABLE>_FILE=<path>`: the entry reads it into `<VARIABLE>` before the service parses its
// configuration, so the services themselves read only their environment.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { containerServices, findContainerService } from "./container-services.ts";

const name = process.argv[2];
const service = findContainerService(name);
if (!service) {
  const names = containerServices.map((s) => s.name).join(", ");
  console.error(`Usage: container-entry <service>, one of: ${names}${name ? ` (not "${name}")` : ""}`);
  process.exit(64);
}
for (const [variable, path] of Object.entries(process.env)) {
  const target = variable.endsWith("_FILE") ? variable.slice(0, -"_FILE".length) : undefined;
  if (!target || !path || process.env[target]) continue;
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
