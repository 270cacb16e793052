import {
  createHash,
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  timingSafeEqual,
} from "node:crypto";
import { type Actor, AppError, actorSchema, whyMayNotAssert } from "@licensing/contracts";
import { ed25519 } from "@licensing/model";
import type { NatsConnection } from "@nats-io/transport-node";
import { ed25519 as edwards, x25519 } from "@noble/curves/ed25519.js";
import { z } from "zod";

// The acting user travels as a signed assertion in `Lic-Actor`, never as a bare header: anyone on
// the bus could write one of those. Format `v1.<claims>.<signature>`, both base64url; the signature
// is Ed25519 over `lic-actor/v1.<claims>` (domain-separated, so no other signature of the platform
// ever verifies as one). Claims: the signer (a bus identity), its key id, the actor, the request id
// it is bound to, and when it was made and ends.
//
// The service a request is addressed to can check it for much less than an Ed25519 verify (about
// 100 µs, the largest single cost of issuing a license): beside it travels a tag (`Lic-Actor-Tag`),
// an HMAC-SHA256 of the same claims under a key only the signer and that service can compute. The key
// is X25519 of their two Ed25519 keys (the same key pairs, converted as libsodium does), through HKDF
// bound to both key ids and one way (a tag from A to B is never one from B to A). A service that finds
// no tag for its own key, or one that does not check, verifies the signature as before: a forwarded
// assertion (its tag was for the first service), a caller or a service of an earlier release.

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

/** What verifyActorAssertion may also be given. */
export interface VerifyOptions {
  /** The time to judge by (ms since the epoch). */
  now?: number;
  /** The Lic-Actor-Tag header that came with the assertion. */
  tag?: string;
  /** This service's own signing key: a tag is for a key, and checked under it. */
  verifier?: ActorSigningKey;
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
  options: VerifyOptions = {},
): Actor {
  const now = options.now ?? Date.now();
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
  const { tag, verifier } = options;
  const tagged = tag !== undefined && verifier !== undefined && tagVerifies(tag, verifier, key, body);
  if (!tagged) {
    const signature = Buffer.from(signatureText, "base64url");
    if (!ed25519.verify(key.publicKey, encoder.encode(DOMAIN + body), signature))
      throw new ActorAssertionError("its signature does not verify", claims.iss);
  }
  const seconds = now / 1_000;
  if (claims.exp < seconds) throw new ActorAssertionError("it has expired", claims.iss);
  if (claims.iat > seconds + CLOCK_SKEW_SECONDS || claims.exp - claims.iat > ASSERTION_TTL_SECONDS)
    throw new ActorAssertionError("its validity is out of bounds", claims.iss);
  if (claims.rid !== requestId) throw new ActorAssertionError("it was made for another request", claims.iss);
  const why = whyMayNotAssert(claims.iss, claims.act);
  if (why) throw new ActorAssertionError(why, claims.iss);
  return claims.act;
}

/** How long a tag is: 128 bits of the HMAC. */
const TAG_BYTES = 16;
const TAG_DOMAIN = "lic-actor-tag/v1.";
/** A header longer than this is not read (a tag per key is 35 characters; two keys during a rotation). */
const MAX_TAG_HEADER = 1_024;

/** The pair keys of each signing key, by direction and the other party's public key. */
const pairKeys = new WeakMap<Uint8Array, { bytes: Buffer; byPeer: Map<string, KeyObject> }>();

/**
 * The key `own` shares with the holder of `peer` for tags going `to` it or coming `from` it: HKDF of
 * their X25519 secret, bound to the sender's and the receiver's key ids in that order.
 */
function pairKey(own: ActorSigningKey, peer: TrustedActorKey, direction: "to" | "from"): KeyObject {
  let cache = pairKeys.get(own.privateKey);
  if (!cache?.bytes.equals(own.privateKey)) {
    cache = { bytes: Buffer.from(own.privateKey), byPeer: new Map() };
    pairKeys.set(own.privateKey, cache);
  }
  const id = `${direction}:${Buffer.from(peer.publicKey).toString("hex")}`;
  let key = cache.byPeer.get(id);
  if (!key) {
    // Throws for a peer key of small order (its secret would be known to all): no tag then.
    const shared = x25519.getSharedSecret(
      edwards.utils.toMontgomerySecret(own.privateKey),
      edwards.utils.toMontgomery(peer.publicKey),
    );
    const [sender, receiver] =
      direction === "to"
        ? [signingKeyId(own.privateKey), actorKeyId(peer.publicKey)]
        : [actorKeyId(peer.publicKey), signingKeyId(own.privateKey)];
    const info = `${TAG_DOMAIN}${sender}>${receiver}`;
    key = createSecretKey(Buffer.from(hkdfSync("sha256", shared, new Uint8Array(0), info, 32)));
    cache.byPeer.set(id, key);
  }
  return key;
}

function tagOf(key: KeyObject, body: string): Buffer {
  return createHmac("sha256", key).update(TAG_DOMAIN).update(body).digest().subarray(0, TAG_BYTES);
}

/**
 * The Lic-Actor-Tag of `token` (an assertion `key` just signed) for each key of `audience`:
 * `<key id>.<tag>`, comma-separated; undefined when there is none to make.
 */
export function tagActorAssertion(
  key: ActorSigningKey,
  token: string,
  audience: readonly TrustedActorKey[],
): string | undefined {
  const body = token.split(".")[1];
  if (body === undefined) return undefined;
  const tags: string[] = [];
  for (const peer of audience) {
    let pair: KeyObject;
    try {
      pair = pairKey(key, peer, "to");
    } catch {
      continue; // a key no secret can be agreed with: that service verifies the signature
    }
    tags.push(`${actorKeyId(peer.publicKey)}.${tagOf(pair, body).toString("base64url")}`);
  }
  return tags.length > 0 ? tags.join(",") : undefined;
}

/** Whether `header` holds a tag for `verifier`'s key that `signer` made over `body`. */
function tagVerifies(
  header: string,
  verifier: ActorSigningKey,
  signer: TrustedActorKey,
  body: string,
): boolean {
  if (header.length > MAX_TAG_HEADER) return false;
  const prefix = `${signingKeyId(verifier.privateKey)}.`;
  const mine = header.split(",").find((tag) => tag.startsWith(prefix));
  if (mine === undefined) return false;
  const tag = Buffer.from(mine.slice(prefix.length), "base64url");
  if (tag.length !== TAG_BYTES) return false;
  let pair: KeyObject;
  try {
    pair = pairKey(verifier, signer, "from");
  } catch {
    return false;
  }
  return timingSafeEqual(tag, tagOf(pair, body));
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
