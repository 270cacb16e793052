import { type QueryClient, useMutation, useQueryClient } from "@tanstack/react-query";
import { api, isApiError, setCsrfToken } from "../kit/api.ts";
import type { Session } from "../kit/types.ts";

export const sessionKey = ["session"] as const;

/**
 * Drops everything cached for the previous user (nothing of theirs may show to the next one) and
 * sets the session. The session query itself stays, so the app observing it sees the change.
 */
export function replaceSession(queryClient: QueryClient, session: Session | null): void {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionKey[0] });
  queryClient.setQueryData(sessionKey, session);
}

/** The current session, or `null` when signed out. */
export async function fetchSession(): Promise<Session | null> {
  try {
    const session = await api.get<Session>("/api/auth/session", { expectUnauthorized: true });
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (isApiError(error) && error.status === 401) {
      setCsrfToken(undefined);
      return null;
    }
    throw error;
  }
}

export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    meta: { silent: true },
    mutationFn: (credentials: { username: string; password: string }) =>
      api.post<Session>("/api/auth/login", credentials, { expectUnauthorized: true }),
    onSuccess: (session) => {
      setCsrfToken(session.csrfToken);
      replaceSession(queryClient, session);
    },
  });
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<void>("/api/auth/logout"),
    onSettled: () => {
      setCsrfToken(undefined);
      replaceSession(queryClient, null);
    },
  });
}

export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({
    meta: { form: true },
    mutationFn: (body: { currentPassword: string; newPassword: string }) =>
      api.post<void>("/api/auth/password", body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sessionKey }),
  });
}

export const minPasswordLength = 12;
