import { mailCatcher } from "@licensing/contracts";
import { createBusService, type Logger, type RunningService } from "@licensing/platform";
import type { NatsConnection } from "@nats-io/transport-node";
import type { MailCatcher } from "./catcher.ts";

/** The catcher on the bus, so the gateway (and so the UI) can list and show what it caught. */
export function createMailCatcherService(deps: {
  nc: NatsConnection;
  prefix: string;
  log: Logger;
  catcher: MailCatcher;
}): RunningService {
  const { nc, catcher } = deps;
  // Room for the rest of the answer (headers, JSON escaping) under the bus's message limit.
  const maxPartsBytes = () => Math.floor((nc.info?.max_payload ?? 1024 * 1024) * 0.4);
  return createBusService({
    nc,
    prefix: deps.prefix,
    log: deps.log,
    name: "mailcatcher",
    version: "0.1.0",
    description: "Development mail catcher: keeps every message it gets as an .eml file",
    endpoints: (server) =>
      server
        .add(mailCatcher.list, async (request) => ({
          items: await catcher.list(request.limit),
          directory: catcher.directory,
          smtp: { host: catcher.host, port: catcher.port },
        }))
        .add(mailCatcher.get, (request) => catcher.get(request.id, maxPartsBytes())),
  });
}
