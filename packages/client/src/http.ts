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
    // The whole exchange, body included, within the timeout.
    const signal = AbortSignal.timeout(this.#options.timeoutMs);
    const response = await this.#send(method, path, { accept: "application/json", ...headers }, body, signal);
    const text = await response.text().catch(() => "");
    const parsed = parseBody(text);
    if (response.status >= 400) await this.#refuse(response, parsed);
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /**
   * The bytes at `path`, streamed: from byte `from` on when given (a Range request, answered 206;
   * `ifRange` is the ETag the part already held must still have, else the whole file comes, 200).
   */
  async fetchBytes(
    path: string,
    from: number | undefined,
    ifRange: string,
  ): Promise<{ status: number; body: AsyncIterable<Uint8Array> }> {
    const headers: Record<string, string> = { accept: "application/octet-stream" };
    if (from !== undefined) {
      headers.range = `bytes=${from}-`;
      headers["if-range"] = `"${ifRange}"`;
    }
    // A download takes as long as it takes: only the wait for the answer's headers is bounded.
    const headersArrived = new AbortController();
    const timer = setTimeout(
      () => headersArrived.abort(new Error(`no answer within ${this.#options.timeoutMs} ms`)),
      this.#options.timeoutMs,
    );
    const response = await this.#send("GET", path, headers, undefined, headersArrived.signal).finally(() =>
      clearTimeout(timer),
    );
    if (response.status >= 400)
      await this.#refuse(response, parseBody(await response.text().catch(() => "")));
    if (!response.body)
      throw new LicenseError("server_error", "The server answered the download without a body");
    return { status: response.status, body: response.body as unknown as AsyncIterable<Uint8Array> };
  }

  async #send(
    method: "GET" | "POST",
    path: string,
    headers: Record<string, string>,
    body: unknown,
    signal: AbortSignal,
  ): Promise<Response> {
    const { serverUrl, licenseKey, fetch } = this.#options;
    const requestHeaders: Record<string, string> = { ...headers };
    if (licenseKey) requestHeaders.authorization = `License ${licenseKey}`;
    if (body !== undefined) requestHeaders["content-type"] = "application/json";
    try {
      return await fetch(`${serverUrl}${path}`, {
        method,
        headers: requestHeaders,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
    } catch (error) {
      throw new LicenseError("network_error", `The license server cannot be reached (${describe(error)})`, {
        cause: error,
      });
    }
  }

  async #refuse(response: Response, parsed: unknown): Promise<never> {
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
}

function parseBody(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
