import { AppError } from "@licensing/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import ipaddr from "ipaddr.js";
import type { Attempter, SignInThrottle } from "../domain/sign-in-throttle.ts";
import { usernameKey } from "../domain/users.ts";

/** An admitted attempt: it counts as a failure until it is said to have succeeded. */
export interface AdmittedAttempt {
  /** The password proved right: resets the (username, address) counter. */
  succeeded(): Promise<void>;
}

export interface LoginLimiter {
  /**
   * Counts an attempt to prove `username`'s password from the request's client address, or refuses
   * it with 429 `rate_limited` and Retry-After, before the password is even looked at. The same
   * counters serve sign-in and the password change, so neither is a way around the other.
   */
  admit(
    request: FastifyRequest,
    reply: FastifyReply,
    username: string,
    what: "sign-in" | "password",
  ): Promise<AdmittedAttempt>;
  /** Deletes the counters that hold nothing any more. */
  sweep(): Promise<number>;
}

/**
 * The sign-in limits of docs/gateway.md over the shared counters of `throttle`. The answer never
 * depends on whether the username exists: the counters are keyed by what the client typed.
 */
export function createLoginLimiter(throttle: SignInThrottle, now: () => Date): LoginLimiter {
  return {
    async admit(request, reply, username, what) {
      const who: Attempter = { usernameKey: usernameKey(username), address: addressKey(request.ip) };
      const admission = await throttle.admit(who);
      if (!admission.admitted) {
        const seconds = Math.max(1, Math.ceil((admission.retryAt.getTime() - now().getTime()) / 1000));
        reply.header("Retry-After", String(seconds));
        const tooMany = what === "sign-in" ? "Too many sign-in attempts" : "Too many password attempts";
        throw new AppError(
          "rate_limited",
          `${tooMany}: try again in ${inWords(seconds)} (after ${admission.retryAt.toISOString()})`,
          { retryAfterSeconds: seconds, retryAt: admission.retryAt.toISOString() },
        );
      }
      return {
        // The password was right and the work is done: a lost reset must not turn it into a 500.
        succeeded: () =>
          throttle.succeeded(who, admission.counted).catch((error: unknown) => {
            request.log.warn({ err: error }, "could not reset the sign-in counters after a success");
          }),
      };
    },
    sweep: () => throttle.sweep(),
  };
}

function inWords(seconds: number): string {
  if (seconds < 120) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/**
 * The client address as the limits count it: an IPv4 address as it is (also when it arrives
 * IPv4-mapped, `::ffff:a.b.c.d`), an IPv6 address by its /64 network, since one subscriber commonly
 * holds a whole /64 and could otherwise take a fresh address for every attempt.
 */
export function addressKey(ip: string): string {
  const address = ip.replace(/%.*$/, "");
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === "ipv4") return parsed.toString();
  const network = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${network.join(":")}::/64`;
}
