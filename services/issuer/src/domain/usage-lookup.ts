import type { BusClient } from "@licensing/bus";
import { AppError, distribution, type LicenseUsage, type RequestContext } from "@licensing/contracts";

/**
 * What a license has in use, as distribution says now: the machines activated on it and the units
 * consumed. Only distribution knows; when it has not heard of the license yet (nothing in use) or
 * does not answer in time, the answer is null: the issuer cannot know, and says so to the caller.
 */
export class UsageLookup {
  readonly #bus: BusClient;

  constructor(bus: BusClient) {
    this.#bus = bus;
  }

  async of(licenseId: string, ctx: RequestContext): Promise<LicenseUsage | null> {
    try {
      return await this.#bus.request(distribution.licenseUsage, { licenseId }, { ctx, timeoutMs: 3_000 });
    } catch (error) {
      if (error instanceof AppError && ["not_found", "service_unavailable", "forbidden"].includes(error.code))
        return null;
      throw error;
    }
  }
}
