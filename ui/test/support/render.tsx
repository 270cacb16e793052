import { allowedActions, type Role } from "@licensing/contracts";
import { MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { vi } from "vitest";
import { setCsrfToken } from "../../src/kit/api.ts";
import { SessionProvider } from "../../src/kit/session.tsx";
import type { Session, UiModule } from "../../src/kit/types.ts";
import { createQueryClient } from "../../src/query-client.ts";
import { appRoutes } from "../../src/router.tsx";
import { theme } from "../../src/theme.ts";

/** A signed-in session for `roles`, with the CRM module active unless told otherwise. */
export function sessionFor(roles: Role[], crmActive = true): Session {
  return {
    user: { id: "usr_01JD6X8Q0V4N3ZP8E4E3W1T9QK", username: "alice", roles, mustChangePassword: false },
    csrfToken: "csrf-test-token",
    permissions: allowedActions(roles),
    modules: { crm: { packaged: true, active: crmActive, activation: null } },
  };
}

/** Renders `element` at `path` (matching `pattern`) inside the app's providers, signed in as `session`. */
export function renderPage(
  element: ReactNode,
  options: { session: Session; path?: string; pattern?: string },
) {
  setCsrfToken(options.session.csrfToken);
  const queryClient = createQueryClient();
  queryClient.setDefaultOptions({ queries: { retry: false, staleTime: Number.POSITIVE_INFINITY } });
  const router = createMemoryRouter(
    [
      { path: options.pattern ?? options.path ?? "/", element },
      { path: "*", element: <p>Navigated away</p> },
    ],
    { initialEntries: [options.path ?? "/"] },
  );
  const view = render(
    <MantineProvider theme={theme} env="test">
      <QueryClientProvider client={queryClient}>
        <SessionProvider session={options.session}>
          <RouterProvider router={router} useTransitions={false} />
        </SessionProvider>
      </QueryClientProvider>
      <Notifications />
    </MantineProvider>,
  );
  return { ...view, router, queryClient };
}

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * Puts a fake HTTP API in place of `fetch`: `answer` gets each request and returns a status and a
 * JSON body. Component tests check what the UI sends and how it shows what comes back; the browser
 * tests run against the real gateway.
 */
export function fakeApi(
  answer: (request: Recorded) => { status: number; body?: unknown; headers?: Record<string, string> },
) {
  const requests: Recorded[] = [];
  const fetchMock = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input), "http://localhost");
    const request: Recorded = {
      method: init?.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
    };
    requests.push(request);
    const { status, body, headers } = answer(request);
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { "Content-Type": "application/json", ...headers },
    });
  });
  vi.stubGlobal("fetch", fetchMock);
  return { requests };
}

/** The whole app (sign-in, shell, pages) at `path`, as a browser would load it. */
export function renderApp(path: string, crm: UiModule | null) {
  setCsrfToken(undefined);
  const queryClient = createQueryClient();
  queryClient.setDefaultOptions({ queries: { retry: false } });
  const router = createMemoryRouter(appRoutes(crm), { initialEntries: [path] });
  const view = render(
    <MantineProvider theme={theme} env="test">
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} useTransitions={false} />
      </QueryClientProvider>
      <Notifications />
    </MantineProvider>,
  );
  return { ...view, router, queryClient };
}
