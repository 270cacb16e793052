// The bus identities `npm start` makes up for a development machine (docs/operations.md, "The bus"),
// kept under .data/bus/ so they survive restarts: per identity, a NATS user NKey (NATS_NKEY_SEED) and
// an Ed25519 key its actor assertions are signed with (BUS_ACTOR_KEY); every service trusts every
// identity's public actor key (BUS_ACTOR_TRUSTED_KEYS). Production makes its own (operations.md).
import { join } from "node:path";
import { type BusIdentity, busIdentities } from "@licensing/contracts";
import { ed25519 } from "@licensing/model";
import { createUser, fromSeed } from "@nats-io/nkeys";
import { developmentSecret } from "./dev-secrets.ts";

export interface DevelopmentIdentity {
  /** `SU…` */
  nkeySeed: string;
  /** `U…`, what the server's configuration names. */
  nkeyPublic: string;
  /** base64 of the 32-byte Ed25519 seed. */
  actorKey: string;
  actorPublicKey: string;
}

export interface DevelopmentIdentities {
  identities: Record<BusIdentity | "admin", DevelopmentIdentity>;
  /** BUS_ACTOR_TRUSTED_KEYS: every identity's public actor key. */
  trustedKeys: string;
  /** The variables a process acting as `identity` gets (with NATS_NKEY_SEED when `withNkey`). */
  env(identity: BusIdentity | "admin", withNkey: boolean): Record<string, string>;
}

/**
 * Loads the identities kept under `dir` (e.g. `.data/bus`), creating those missing. `alsoTrusted`
 * (a BUS_ACTOR_TRUSTED_KEYS value, e.g. a test's keys) is trusted beside them.
 */
export function developmentIdentities(dir: string, alsoTrusted?: string): DevelopmentIdentities {
  const identities = {} as Record<BusIdentity | "admin", DevelopmentIdentity>;
  for (const identity of [...busIdentities, "admin" as const]) {
    const { value: nkeySeed } = developmentSecret(join(dir, `${identity}.nkey`), () =>
      new TextDecoder().decode(createUser().getSeed()),
    );
    const { value: actorKey } = developmentSecret(join(dir, `${identity}.actor-key`), () =>
      Buffer.from(ed25519.generateKeyPair().privateKey).toString("base64"),
    );
    identities[identity] = {
      nkeySeed,
      nkeyPublic: fromSeed(new TextEncoder().encode(nkeySeed)).getPublicKey(),
      actorKey,
      actorPublicKey: Buffer.from(ed25519.getPublicKey(Buffer.from(actorKey, "base64"))).toString("base64"),
    };
  }
  const signers = busIdentities.map((identity) => ({
    signer: identity,
    publicKey: identities[identity].actorPublicKey,
  }));
  const extra = alsoTrusted ? (JSON.parse(alsoTrusted) as { signer: string; publicKey: string }[]) : [];
  const trustedKeys = JSON.stringify([...signers, ...extra]);
  return {
    identities,
    trustedKeys,
    env(identity, withNkey) {
      const own = identities[identity === "admin" ? "gateway" : identity];
      return {
        BUS_ACTOR_KEY: own.actorKey,
        BUS_ACTOR_TRUSTED_KEYS: trustedKeys,
        ...(withNkey ? { NATS_NKEY_SEED: identities[identity].nkeySeed } : {}),
      };
    },
  };
}
