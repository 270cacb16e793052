// The container image's entry point: `node deploy/container-entry.ts <service>` runs that service's
// main in this process (so it is PID 1's own code that receives SIGTERM and drains). One image for
// every service; the orchestrator chooses which by argument.
//
// A secret mounted as a file (Compose secrets, Kubernetes secret volumes) is passed as
// `<VARIABLE>_FILE=<path>`: the service's own configuration loader reads it (loadConfig of
// @licensing/platform), as it does outside the image.
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
await import(pathToFileURL(resolve(import.meta.dirname, "..", service.entry)).href);
