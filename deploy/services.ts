/**
 * The services `npm start` runs, each as its own process, in start order. Each says when it has
 * started (over the IPC channel, see packages/platform/src/launcher.ts); the `http` gateway is ready
 * when its /readyz answers, which needs every `bus` service the gateway requires answering
 * `$SRV.PING`.
 *
 * `gatewayRequires: false`: the gateway is ready without it. The migration service serves only its
 * own pages: while no instance of it answers, requests to it fail with `service_unavailable` (503),
 * and the rest of the operators' UI must stay ready.
 */
export const platformServices = [
  { name: "catalog", entry: "services/catalog/src/main.ts", kind: "bus" },
  { name: "issuer", entry: "services/issuer/src/main.ts", kind: "bus" },
  { name: "distribution", entry: "services/distribution/src/main.ts", kind: "bus" },
  { name: "notifier", entry: "services/notifier/src/main.ts", kind: "bus" },
  { name: "migration", entry: "services/migration/src/main.ts", kind: "bus", gatewayRequires: false },
  { name: "mailcatcher", entry: "tools/mail-catcher/src/main.ts", kind: "bus" },
  { name: "gateway", entry: "services/gateway/src/main.ts", kind: "http" },
] as const;

type PlatformService = (typeof platformServices)[number];

/** The bus services among `services` the gateway's /readyz waits for (GATEWAY_REQUIRED_SERVICES). */
export function gatewayRequiredServices(services: readonly PlatformService[] = platformServices): string[] {
  return services
    .filter(
      (service) =>
        service.kind === "bus" && !("gatewayRequires" in service && service.gatewayRequires === false),
    )
    .map((service) => service.name);
}
