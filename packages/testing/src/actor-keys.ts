import type { ActorKeys, TrustedActorKey } from "@licensing/bus";
import { ed25519 } from "@licensing/model";

// Development actor keys for one test process: each bus identity signs its assertions with its own
// key, and every connection trusts them all, as npm start's generated keys do. The test's own
// connection signs as the gateway, so tests call services as the gateway would.

const identities = ["gateway", "catalog", "issuer", "distribution", "notifier", "migration", "mailcatcher"];
const seeds = new Map<string, Uint8Array>();
const trusted: TrustedActorKey[] = [];

function seedOf(identity: string): Uint8Array {
  let seed = seeds.get(identity);
  if (!seed) {
    const pair = ed25519.generateKeyPair();
    seed = pair.privateKey;
    seeds.set(identity, seed);
    trusted.push({ signer: identity, publicKey: pair.publicKey });
  }
  return seed;
}
for (const identity of identities) seedOf(identity);

/** What a test connection named `name` signs and verifies with (`test` signs as the gateway). */
export function testActorKeys(name: string): ActorKeys {
  const identity = name === "test" ? "gateway" : name;
  return { signing: { signer: identity, privateKey: seedOf(identity) }, trusted };
}

/** The same as environment variables, for a service the test starts as a process. */
export function testActorEnv(identity: string): Record<string, string> {
  return {
    BUS_ACTOR_KEY: Buffer.from(seedOf(identity)).toString("base64"),
    BUS_ACTOR_TRUSTED_KEYS: JSON.stringify(
      trusted.map((key) => ({
        signer: key.signer,
        publicKey: Buffer.from(key.publicKey).toString("base64"),
      })),
    ),
  };
}
