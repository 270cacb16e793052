import { platformServices } from "./services.ts";

/** The services the container image runs: every one `npm start` runs but the development mail catcher. */
export const containerServices = platformServices.filter((service) => service.name !== "mailcatcher");

export type ContainerServiceName = (typeof containerServices)[number]["name"];

/**
 * The services that answer HTTP, with the variable that sets their port: their `/healthz` and
 * `/readyz` are the probes. The others expose no port of their own (they answer NATS service
 * pings), so their probe is a NATS round trip from the container (deploy/container-health.ts).
 */
export const httpServices: Partial<
  Record<ContainerServiceName, { portVariable: string; defaultPort: number }>
> = {
  gateway: { portVariable: "GATEWAY_PORT", defaultPort: 8080 },
  distribution: { portVariable: "DISTRIBUTION_PORT", defaultPort: 8090 },
};

export function findContainerService(name: string | undefined) {
  return containerServices.find((service) => service.name === name);
}
