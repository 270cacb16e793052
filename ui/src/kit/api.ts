import type { ErrorBody, ErrorCode, ErrorDetails, FieldIssue } from "@licensing/contracts";

/** An error answer of the gateway (`{ code, message, requestId, details }`), or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | "network_error";
  readonly requestId: string | undefined;
  readonly issues: FieldIssue[];
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    body: { code: ErrorCode | "network_error"; message: string; requestId?: string; details?: ErrorDetails },
    retryAfterSeconds?: number,
  ) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.requestId = body.requestId;
    this.issues = body.details?.issues ?? [];
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function isApiError(error: unknown, code?: ApiError["code"]): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

let csrfToken: string | undefined;
let unauthorizedListener: (() => void) | undefined;

/** The token every state-changing request carries in `X-CSRF-Token` (from sign-in or the session). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** The CSRF token, for requests not made through `api` (the release files' tus uploads). */
export function getCsrfToken(): string | undefined {
  return csrfToken;
}

/** Called when a request answers 401: the session has ended, so the app shows the sign-in page. */
export function onUnauthorized(listener: (() => void) | undefined): void {
  unauthorizedListener = listener;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  signal?: AbortSignal;
  /** Leave a 401 to the caller (sign-in and session checks) instead of signing the app out. */
  expectUnauthorized?: boolean;
}

export async function apiRequest<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(0, {
      code: "network_error",
      message: "The server cannot be reached. Check your connection.",
    });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const body: unknown = text ? safeJson(text) : undefined;
  if (response.ok) return body as T;
  if (response.status === 401 && !options.expectUnauthorized) unauthorizedListener?.();
  const retryAfter = Number(response.headers.get("Retry-After"));
  throw new ApiError(
    response.status,
    toErrorBody(response, body),
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}

export const api = {
  get: <T>(path: string, options?: Omit<RequestOptions, "body">) => apiRequest<T>("GET", path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    apiRequest<T>("POST", path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    apiRequest<T>("PUT", path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    apiRequest<T>("PATCH", path, { ...options, body }),
  delete: <T>(path: string, options?: RequestOptions) => apiRequest<T>("DELETE", path, options),
};

function withQuery(path: string, query: RequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toErrorBody(response: Response, body: unknown): ErrorBody {
  if (body && typeof body === "object" && "code" in body && "message" in body) return body as ErrorBody;
  // A proxy or a crashed gateway answers without our error shape; say what happened anyway.
  const code: ErrorCode = response.status >= 500 ? "service_unavailable" : "internal";
  return { code, message: `The server answered ${response.status} ${response.statusText}`.trim() };
}
