import { createHash, timingSafeEqual } from "node:crypto";
import rateLimit, { type FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import { AppError } from "@licensing/contracts";
import { isLegacyKey, isModelError, legacyKeyLookupHash, licenseKeyLookupHash } from "@licensing/model";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { LRUCache } from "lru-cache";
import type { LicenseDirectory, LicenseRecord } from "../domain/licenses.ts";
import { budgetKey, keyBudgets } from "../domain/rate-budget.ts";
import { rateLimitWindowMs } from "./rate-limits/shared-limits.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The license whose key authenticated this request (routes with `licenseKey` access). */
    license?: LicenseRecord;
  }
}

export interface RateLimits {
  /** Requests per minute from one client address; 0 for none. */
  perIp: number;
  /** Requests per minute with one license key; 0 for none. */
  perKey: number;
  /** How often replicas share their counts, in ms; 0: each counts alone (250 when not given). */
  syncMs?: number;
  /** The most keys (addresses, machines, license keys) a replica counts at once (100,000 when not given). */
  maxKeys?: number;
}

/** The header that carries the license key: `Authorization: License LK-…`. */
export const licenseScheme = "License";

function rateLimited(reply: FastifyReply, seconds: number, what: string): AppError {
  const wait = Math.max(1, Math.ceil(seconds));
  reply.header("Retry-After", String(wait));
  return new AppError("rate_limited", `Too many requests ${what}; try again in ${wait} s`, {
    retryAfterSeconds: wait,
  });
}

/**
 * Authentication of products by license key, and the rate limits. Every request counts against its
 * client address; a request carrying a key is then checked in this order: the key's form (a typo is
 * 400 `malformed_key` before any lookup), the lookup (unknown: 404, saying nothing more), and once its
 * body is read, the budget of its machine (key and fingerprint) and the key's ceiling, sized by the
 * license's seats. Every limit counts in `store` (rate-limits/shared-limits.ts): in this replica's
 * memory, with what the other replicas report every sync interval added.
 */
export async function installCredentials(
  app: FastifyInstance,
  licenses: LicenseDirectory,
  limits: RateLimits,
  store: FastifyRateLimitStoreCtor,
): Promise<{ requireLicense: (request: FastifyRequest, reply: FastifyReply) => Promise<void> }> {
  await app.register(rateLimit, {
    global: false,
    max: limits.perIp > 0 ? limits.perIp : 1,
    timeWindow: rateLimitWindowMs,
    store,
    keyGenerator: (request) => `ip:${request.ip}`,
    errorResponseBuilder: (_request, context) =>
      new AppError(
        "rate_limited",
        `Too many requests from this address; try again in ${Math.ceil(context.ttl / 1000)} s`,
        {
          retryAfterSeconds: Math.ceil(context.ttl / 1000),
        },
      ),
  });
  if (limits.perIp > 0) {
    // A hook of this scope, so it runs before any route's own (the key check among them).
    const perIp = app.rateLimit();
    app.addHook("onRequest", async (request, reply) => {
      if ((request.routeOptions.config as { rateLimit?: unknown }).rateLimit === false) return;
      await perIp.call(app, request, reply);
    });
  }
  // Per machine (key and fingerprint), then the key's ceiling sized by its seats: a request refused
  // for its machine's budget does not spend the ceiling the fleet shares (domain/rate-budget.ts).
  const perMachine =
    limits.perKey > 0
      ? app.createRateLimit({
          max: limits.perKey,
          timeWindow: rateLimitWindowMs,
          keyGenerator: (request) => budgetKey(request.license!.keyHash, fingerprintOf(request)),
        })
      : undefined;
  const perKey =
    limits.perKey > 0
      ? app.createRateLimit({
          max: (request) => limits.perKey * keyBudgets(request.license!),
          timeWindow: rateLimitWindowMs,
          keyGenerator: (request) => `key:${request.license!.keyHash}`,
        })
      : undefined;
  if (perMachine && perKey) {
    // After the body is parsed (the fingerprint travels in it), only for requests with a license.
    app.addHook("preHandler", async (request, reply) => {
      if (!request.license) return;
      const machine = await perMachine(request);
      if (!machine.isAllowed && machine.isExceeded)
        throw rateLimited(reply, machine.ttlInSeconds, "from this machine with this license key");
      const key = await perKey(request);
      if (!key.isAllowed && key.isExceeded)
        throw rateLimited(reply, key.ttlInSeconds, "with this license key");
    });
  }

  // A product presents the same key on every call: its lookup hash (a parse and a SHA-256) is
  // worked out once per key while the key is in use.
  const keyHashes = new LRUCache<string, string>({ max: 100_000 });
  return {
    async requireLicense(request) {
      const header = request.headers.authorization;
      if (!header) {
        throw new AppError(
          "unauthorized",
          `Send the license key in the header "Authorization: ${licenseScheme} LK-…"`,
        );
      }
      const space = header.indexOf(" ");
      if (space < 0 || header.slice(0, space).toLowerCase() !== licenseScheme.toLowerCase()) {
        throw new AppError(
          "unauthorized",
          `The Authorization header must be "${licenseScheme} <license key>"`,
        );
      }
      // A migrated license's legacy GUID is accepted wherever its LK- key is (docs/distribution.md).
      const presented = header.slice(space + 1).trim();
      const legacy = isLegacyKey(presented);
      let keyHash = keyHashes.get(presented);
      if (keyHash === undefined) {
        try {
          keyHash = legacy ? legacyKeyLookupHash(presented) : licenseKeyLookupHash(presented);
        } catch (error) {
          if (isModelError(error)) throw new AppError("malformed_key", error.message);
          throw error;
        }
        keyHashes.set(presented, keyHash);
      }
      const license = await licenses.byKeyHash(keyHash, legacy);
      if (!license) throw new AppError("not_found", "No license matches this key");
      request.license = license;
    },
  };
}

function fingerprintOf(request: FastifyRequest): unknown {
  const body = request.body as { fingerprint?: unknown } | null | undefined;
  return typeof body === "object" && body !== null ? body.fingerprint : undefined;
}

/** Checks a license server's bearer token against the configured ones, in constant time. */
export function bearerChecker(tokens: readonly string[]): (request: FastifyRequest) => void {
  const digests = tokens.map((t) => createHash("sha256").update(t).digest());
  return (request) => {
    if (digests.length === 0)
      throw new AppError("forbidden", "The sync endpoint is not enabled on this deployment");
    const header = request.headers.authorization ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
    const digest = createHash("sha256").update(token).digest();
    let ok = false;
    for (const known of digests) ok = timingSafeEqual(known, digest) || ok;
    if (!token || !ok)
      throw new AppError("unauthorized", "Send a valid license-server token: Authorization: Bearer <token>");
  };
}
