import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import { baseConfig, loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { connectNats, natsOptionsFrom } from "./nats.ts";

const developmentKeys = resolve(import.meta.dirname, "../../../.data/bus");

/**
 * The connection of an operators' tool run next to the platform (`npm run migrate`, `npm run bus`):
 * NATS_URL, SUBJECT_PREFIX and the bus identity from the environment as a service reads them. It
 * acts for an operator, so it signs as the gateway does: BUS_ACTOR_KEY is the gateway's key; unset,
 * the development key npm start made (.data/bus/gateway.actor-key) when there is one. Without
 * NATS_URL, it reaches npm start's own authenticated NATS while that runs, as the admin identity.
 */
export async function connectTool(name: string): Promise<{ nc: NatsConnection; prefix: string }> {
  const env = { ...process.env };
  const file = (base: string) => resolve(developmentKeys, base);
  if (!env.BUS_ACTOR_KEY && !env.BUS_ACTOR_KEY_FILE && existsSync(file("gateway.actor-key")))
    env.BUS_ACTOR_KEY = readFileSync(file("gateway.actor-key"), "utf8").trim();
  // npm start's own authenticated NATS, while it runs: its address, and the admin identity.
  if (!env.NATS_URL && existsSync(file("nats-url"))) {
    env.NATS_URL = readFileSync(file("nats-url"), "utf8").trim();
    if (!env.NATS_NKEY_SEED && !env.NATS_NKEY_SEED_FILE && existsSync(file("admin.nkey")))
      env.NATS_NKEY_SEED = readFileSync(file("admin.nkey"), "utf8").trim();
  }
  const config = loadConfig(baseConfig, env);
  const nc = await connectNats(config.NATS_URL, name, createLogger(name, "warn"), {
    ...natsOptionsFrom(config),
    identity: "gateway",
    failFast: true,
  });
  return { nc, prefix: config.SUBJECT_PREFIX };
}
