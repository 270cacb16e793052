import rateLimit from "@fastify/rate-limit";
import { AppError } from "@licensing/contracts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export interface LoginLimits {
  /** Sign-in attempts one client address may make per window. */
  perAddress: { max: number; windowMs: number };
  /** Sign-in attempts for one username (from any address) per window. */
  perUsername: { max: number; windowMs: number };
}

export const defaultLoginLimits: LoginLimits = {
  perAddress: { max: 30, windowMs: 15 * 60_000 },
  perUsername: { max: 10, windowMs: 15 * 60_000 },
};

export interface LoginLimiter {
  /** Counts the attempt against the client address; refuses it when either limit is reached. */
  admit(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** Counts a failed attempt against the username. */
  failed(request: FastifyRequest): Promise<void>;
}

/**
 * Sign-in rate limits (@fastify/rate-limit's counters, in this replica's memory): every attempt
 * counts against the client address, failed ones against the username, so an operator who signs in
 * often is never locked out by their own successes. Reaching either limit is 429 `rate_limited`
 * with Retry-After, before the password is even checked.
 */
export async function createLoginLimiter(app: FastifyInstance, limits: LoginLimits): Promise<LoginLimiter> {
  await app.register(rateLimit, { global: false });
  const byAddress = app.createRateLimit({
    max: limits.perAddress.max,
    timeWindow: limits.perAddress.windowMs,
    keyGenerator: (request) => `address:${request.ip}`,
  });
  const byUsername = app.createRateLimit({
    max: limits.perUsername.max,
    timeWindow: limits.perUsername.windowMs,
    keyGenerator: (request) =>
      `username:${String((request.body as { username?: unknown }).username)
        .trim()
        .toLowerCase()}`,
  });
  const refuse = (reply: FastifyReply, ttlInSeconds: number) => {
    const seconds = Math.max(1, ttlInSeconds);
    reply.header("Retry-After", String(seconds));
    return new AppError(
      "rate_limited",
      `Too many sign-in attempts; try again in ${seconds} second${seconds === 1 ? "" : "s"}`,
    );
  };
  return {
    async admit(request, reply) {
      const address = await byAddress(request);
      if (!address.isAllowed && address.isExceeded) throw refuse(reply, address.ttlInSeconds);
      const username = await byUsername(request, { increment: false });
      if (!username.isAllowed && username.remaining === 0) throw refuse(reply, username.ttlInSeconds);
    },
    async failed(request) {
      await byUsername(request);
    },
  };
}
