import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, onUnauthorized, setCsrfToken } from "../src/kit/api.ts";

function answer(status: number, body?: unknown, headers: Record<string, string> = {}) {
  const fetchMock = vi.fn(
    async (_input: string | URL | Request, _init?: RequestInit) =>
      new Response(body === undefined ? null : JSON.stringify(body), { status, headers }),
  );
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(undefined);
  onUnauthorized(undefined);
});

describe("api client", () => {
  it("sends the CSRF token on changes only, and always the session cookie of this origin", async () => {
    setCsrfToken("tok");
    const fetchMock = answer(200, { ok: true });
    await api.get("/api/accounts", { query: { query: "acme", type: undefined, includeArchived: false } });
    await api.post("/api/accounts", { name: "Acme" });
    const [getUrl, getInit] = fetchMock.mock.calls[0]!;
    const [, postInit] = fetchMock.mock.calls[1]!;
    expect(getUrl).toBe("/api/accounts?query=acme&includeArchived=false");
    expect(getInit?.credentials).toBe("same-origin");
    expect((getInit!.headers as Record<string, string>)["X-CSRF-Token"]).toBeUndefined();
    expect((postInit!.headers as Record<string, string>)["X-CSRF-Token"]).toBe("tok");
    expect(postInit?.body).toBe(JSON.stringify({ name: "Acme" }));
  });

  it("turns an error body into an ApiError with its code, request id and field issues", async () => {
    answer(400, {
      code: "validation_failed",
      message: "Invalid request: contacts.0.email: must be an email address",
      requestId: "req_1",
      details: { issues: [{ path: "contacts.0.email", message: "must be an email address" }] },
    });
    const error = await api.post("/api/accounts", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: "validation_failed",
      requestId: "req_1",
      issues: [{ path: "contacts.0.email", message: "must be an email address" }],
    });
  });

  it("reads Retry-After on rate_limited", async () => {
    answer(429, { code: "rate_limited", message: "Too many", requestId: "req_2" }, { "Retry-After": "30" });
    const error = (await api.post("/api/auth/login", {}).catch((e: unknown) => e)) as ApiError;
    expect(error.retryAfterSeconds).toBe(30);
  });

  it("signs the app out on a 401, unless the caller expects one", async () => {
    const listener = vi.fn();
    onUnauthorized(listener);
    answer(401, { code: "unauthorized", message: "Sign in", requestId: "req_3" });
    await api.get("/api/auth/session", { expectUnauthorized: true }).catch(() => {});
    expect(listener).not.toHaveBeenCalled();
    await api.get("/api/users").catch(() => {});
    expect(listener).toHaveBeenCalledOnce();
  });

  it("answers nothing for a 204, and a network failure is an ApiError a person can read", async () => {
    answer(204);
    await expect(api.post("/api/auth/logout")).resolves.toBeUndefined();
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("fetch failed");
      }),
    );
    await expect(api.get("/api/users")).rejects.toMatchObject({ code: "network_error", status: 0 });
  });

  it("says what happened when a proxy answers without the error shape", async () => {
    answer(502, undefined);
    await expect(api.get("/api/users")).rejects.toMatchObject({ code: "service_unavailable", status: 502 });
  });
});
