import { LicenseError, reasonOfCode } from "./errors.ts";
import type { FetchLike } from "./platform.ts";

export interface ApiOptions {
  serverUrl: string;
  licenseKey: string | undefined;
  fetch: FetchLike;
  timeoutMs: number;
  /** Told of every refusal the server gives before it is thrown (to remember a revocation). */
  onRefusal?: (error: LicenseError) => Promise<void>;
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * The distribution API over HTTP. Every failure is a LicenseError: the server's refusals by their
 * code, anything that kept the request from being answered as `network_error` (retry later).
 */
export class DistributionApi {
  readonly #options: ApiOptions;

  constructor(options: ApiOptions) {
    this.#options = { ...options, serverUrl: options.serverUrl.replace(/\/+$/, "") };
  }

  async call<T>(
    method: "GET" | "POST",
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer<T>> {
    const { serverUrl, licenseKey, fetch, timeoutMs } = this.#options;
    const requestHeaders: Record<string, string> = { accept: "application/json", ...headers };
    if (licenseKey) requestHeaders.authorization = `License ${licenseKey}`;
    if (body !== undefined) requestHeaders["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${serverUrl}${path}`, {
        method,
        headers: requestHeaders,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new LicenseError("network_error", `The license server cannot be reached (${describe(error)})`, {
        cause: error,
      });
    }
    const text = await response.text().catch(() => "");
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (response.status >= 400) {
      const error = (parsed ?? {}) as { code?: string; message?: string };
      const code = typeof error.code === "string" ? error.code : `http_${response.status}`;
      const retryAfter = Number(response.headers.get("retry-after"));
      if (response.status >= 500 || response.status === 429) {
        // The server is there but cannot answer now: like a network failure, it may work later.
        throw new LicenseError(
          response.status === 429 ? "rate_limited" : "network_error",
          error.message ?? `The license server answered ${response.status}`,
          {
            code,
            ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
          },
        );
      }
      const refusal = new LicenseError(
        reasonOfCode(code),
        error.message ?? `The license server answered ${response.status}`,
        { code },
      );
      await this.#options.onRefusal?.(refusal);
      throw refusal;
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
