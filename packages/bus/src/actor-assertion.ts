import { createHash } from "node:crypto";
import { type Actor, AppError, actorSchema, whyMayNotAssert } from "@licensing/contracts";
import { ed25519 } from "@licensing/model";
import type { NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";

// The acting user travels as a signed assertion in `Lic-Actor`, never as a bare header: anyone on
// the bus could write one of those. Format `v1.<claims>.<signature>`, both base64url; the signature
// is Ed25519 over `lic-actor/v1.<claims>` (domain-separated, so no other signature of the platform
// ever verifies as one). Claims: the signer (a bus identity), its key id, the actor, the request id
// it is bound to, and when it was made and ends.

/** How long an assertion is valid after it was made: enough for a request to reach a service. */
export const ASSERTION_TTL_SECONDS = 60;
/** How far a verifier's clock may be behind the signer's. */
const CLOCK_SKEW_SECONDS = 10;
const VERSION = "v1";
const DOMAIN = "lic-actor/v1.";
const encoder = new TextEncoder();

/** A bus identity's key to sign its assertions: BUS_ACTOR_KEY. */
export interface ActorSigningKey {
  /** The bus identity signing, e.g. `gateway`. */
  signer: string;
  /** The 32-byte Ed25519 seed. */
  privateKey: Uint8Array;
}

/** A public key assertions are trusted under: one entry of BUS_ACTOR_TRUSTED_KEYS. */
export interface TrustedActorKey {
  signer: string;
  publicKey: Uint8Array;
}

/** What a connection signs and verifies with (set where it is made, `connectNats`). */
export interface ActorKeys {
  signing?: ActorSigningKey;
  trusted: readonly TrustedActorKey[];
}

const claimsSchema = z.strictObject({
  iss: z.string().min(1).max(64),
  kid: z.string().min(1).max(64),
  act: actorSchema,
  rid: z.string().min(1).max(200),
  iat: z.number().int(),
  exp: z.number().int(),
});

/** A refused assertion: answered `unauthorized`, and logged by the service that refused it. */
export class ActorAssertionError extends AppError {
  /** Why, in a few words, for the log. */
  readonly reason: string;
  /** The signer it claimed, when it could be read. */
  readonly signer: string | undefined;

  constructor(reason: string, signer?: string) {
    super("unauthorized", `The request's actor assertion (Lic-Actor) is refused: ${reason}`);
    this.reason = reason;
    this.signer = signer;
  }
}

/**
 * `derive`, remembered per key array: keys are read for every request signed or verified, and are
 * the same arrays each time. The copy kept of each key's bytes makes a changed array derive afresh.
 */
function perKey(derive: (key: Uint8Array) => string): (key: Uint8Array) => string {
  const known = new WeakMap<Uint8Array, { bytes: Buffer; value: string }>();
  return (key) => {
    const hit = known.get(key);
    if (hit?.bytes.equals(key)) return hit.value;
    const value = derive(key);
    known.set(key, { bytes: Buffer.from(key), value });
    return value;
  };
}

/** The id of a public key: 12 base64url characters of its SHA-256. */
export const actorKeyId = perKey((publicKey) =>
  createHash("sha256").update(publicKey).digest("base64url").slice(0, 12),
);

/** The id of the public key of a signing key. */
const signingKeyId = perKey((privateKey) => actorKeyId(ed25519.getPublicKey(privateKey)));

/** Signs `actor` for the request `requestId`. */
export function signActorAssertion(
  key: ActorSigningKey,
  actor: Actor,
  requestId: string,
  now = Date.now(),
): string {
  const iat = Math.floor(now / 1_000);
  const claims = {
    iss: key.signer,
    kid: signingKeyId(key.privateKey),
    act: actor,
    rid: requestId,
    iat,
    exp: iat + ASSERTION_TTL_SECONDS,
  };
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = ed25519.sign(key.privateKey, encoder.encode(DOMAIN + body));
  return `${VERSION}.${body}.${Buffer.from(signature).toString("base64url")}`;
}

/**
 * The actor of a valid assertion for `requestId`; else throws an ActorAssertionError saying why
 * (malformed, unknown key, bad signature, expired, bound to another request, or a signer asserting an
 * actor it may not: a service speaking for an operator).
 */
export function verifyActorAssertion(
  token: string,
  requestId: string,
  trusted: readonly TrustedActorKey[],
  now = Date.now(),
): Actor {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== VERSION || token.length > 4_096)
    throw new ActorAssertionError("not a v1 assertion");
  const [, body, signatureText] = parts as [string, string, string];
  let claims: z.output<typeof claimsSchema>;
  try {
    const parsed = claimsSchema.safeParse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
    if (!parsed.success) throw new Error("claims");
    claims = parsed.data;
  } catch {
    throw new ActorAssertionError("its claims are malformed");
  }
  const key = trusted.find((k) => k.signer === claims.iss && actorKeyId(k.publicKey) === claims.kid);
  if (!key) throw new ActorAssertionError(`no trusted key ${claims.kid} of ${claims.iss}`, claims.iss);
  const signature = Buffer.from(signatureText, "base64url");
  if (!ed25519.verify(key.publicKey, encoder.encode(DOMAIN + body), signature))
    throw new ActorAssertionError("its signature does not verify", claims.iss);
  const seconds = now / 1_000;
  if (claims.exp < seconds) throw new ActorAssertionError("it has expired", claims.iss);
  if (claims.iat > seconds + CLOCK_SKEW_SECONDS || claims.exp - claims.iat > ASSERTION_TTL_SECONDS)
    throw new ActorAssertionError("its validity is out of bounds", claims.iss);
  if (claims.rid !== requestId) throw new ActorAssertionError("it was made for another request", claims.iss);
  const why = whyMayNotAssert(claims.iss, claims.act);
  if (why) throw new ActorAssertionError(why, claims.iss);
  return claims.act;
}

const keysOf = new WeakMap<NatsConnection, ActorKeys>();

/** Sets what `nc` signs and verifies assertions with (once, where the connection is made). */
export function setActorKeys(nc: NatsConnection, keys: ActorKeys): void {
  keysOf.set(nc, keys);
}

/** What `nc` signs and verifies with; a connection without keys signs nothing and trusts nothing. */
export function actorKeysOf(nc: NatsConnection): ActorKeys {
  return keysOf.get(nc) ?? { trusted: [] };
}
