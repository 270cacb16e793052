// The container's health probe: `node deploy/container-health.ts [<service>] [healthz|readyz]`.
// An HTTP service (gateway, distribution) is asked its own /healthz or /readyz on localhost. The
// others listen on no port: their probe is a NATS round trip from the container, which is what the
// HTTP services' /healthz checks beyond the process itself (a process that dies ends the container
// anyway). Without a service name (the image's HEALTHCHECK) it reads the one PID 1 was started for.
import { readFileSync } from "node:fs";
import { baseConfig, loadConfig, natsOptionsFrom } from "@licensing/platform";
import { connect, nkeyAuthenticator } from "@nats-io/transport-node";
import { findContainerService, httpServices } from "./container-services.ts";

const timeoutMs = 3_000;
const [nameArg, probeArg] = process.argv.slice(2);
const name = nameArg ?? serviceOfPid1();
const probe = probeArg === "readyz" ? "readyz" : "healthz";
const service = findContainerService(name);
if (!service) {
  console.error(`container-health: unknown service ${JSON.stringify(name)}`);
  process.exit(2);
}

try {
  const http = httpServices[service.name];
  if (http) {
    const port = process.env[http.portVariable] || String(http.defaultPort);
    const response = await fetch(`http://127.0.0.1:${port}/${probe}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new Error(`/${probe} answered ${response.status}`);
  } else {
    // As the service itself: its NKey and TLS, from the same variables (and *_FILE secrets).
    const config = loadConfig(baseConfig);
    const options = natsOptionsFrom(config);
    const nc = await connect({
      servers: config.NATS_URL.split(","),
      name: `${service.name}-probe`,
      timeout: timeoutMs,
      reconnect: false,
      ...(options.nkeySeed
        ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(options.nkeySeed)) }
        : {}),
      ...(options.tls ? { tls: options.tls } : {}),
    });
    try {
      await nc.flush();
    } finally {
      await nc.close();
    }
  }
  process.exit(0);
} catch (error) {
  console.error(`${service.name} ${probe}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

/** The service named on PID 1's command line (`node deploy/container-entry.ts <service>`). */
function serviceOfPid1(): string | undefined {
  try {
    const args = readFileSync("/proc/1/cmdline", "utf8").split("\0");
    const entry = args.findIndex((arg) => arg.endsWith("container-entry.ts"));
    return entry >= 0 ? args[entry + 1] : undefined;
  } catch {
    return undefined;
  }
}
