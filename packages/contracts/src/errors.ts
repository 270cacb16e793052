/**
 * The one list of error codes, shared by the bus and the HTTP API. Each code has the HTTP status the
 * gateway answers with; over NATS the same status travels as the service error code and the string code
 * in the body, so both sides see `{ code, message }`.
 */
export const errorStatus = {
  validation_failed: 400,
  malformed_key: 400,
  unauthorized: 401,
  forbidden: 403,
  csrf_failed: 403,
  module_inactive: 403,
  license_suspended: 403,
  license_revoked: 403,
  license_expired: 403,
  fingerprint_mismatch: 403,
  not_found: 404,
  already_exists: 409,
  conflict: 409,
  invalid_state: 409,
  account_archived: 409,
  activation_limit_reached: 409,
  units_exhausted: 409,
  seats_exhausted: 409,
  request_timeout: 408,
  payload_too_large: 413,
  /** A byte range outside the file (HTTP Range). */
  range_not_satisfiable: 416,
  rate_limited: 429,
  headers_too_large: 431,
  internal: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export const errorCodes = Object.keys(errorStatus) as ErrorCode[];

/**
 * Codes that say "not now" rather than "never": the same request, or the same event, may succeed
 * later. Anything else (a refusal) stays a refusal however often it is retried.
 */
export const transientErrorCodes: ReadonlySet<ErrorCode> = new Set([
  "service_unavailable",
  "request_timeout",
  "rate_limited",
]);

/** One problem with one field of a request, named by its dotted path (`contacts.0.email`). */
export interface FieldIssue {
  path: string;
  message: string;
}

export interface ErrorDetails {
  issues?: FieldIssue[];
  [key: string]: unknown;
}

/** The wire form of an error, over NATS and HTTP alike. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  requestId?: string;
  details?: ErrorDetails;
}

/** A failure the caller should see as it is: a stable code and a message a person can act on. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return errorStatus[this.code];
  }

  static validation(issues: FieldIssue[], what = "request"): AppError {
    const listed = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
    return new AppError("validation_failed", `Invalid ${what}: ${listed}`, { issues });
  }

  static notFound(what: string, id: string): AppError {
    return new AppError("not_found", `${what} ${id} does not exist`);
  }

  toBody(requestId?: string): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (requestId !== undefined) body.requestId = requestId;
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(errorStatus, value);
}
