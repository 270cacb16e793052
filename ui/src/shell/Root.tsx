import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Outlet } from "react-router";
import { onUnauthorized } from "../kit/api.ts";
import { SessionProvider } from "../kit/session.tsx";
import type { UiModule } from "../kit/types.ts";
import { fetchSession, replaceSession, sessionKey } from "./auth.ts";
import { ForcedPasswordChange } from "./ChangePassword.tsx";
import { FullPageLoader } from "./FullPageLoader.tsx";
import { Layout } from "./Layout.tsx";
import { ServerUnreachable } from "./ServerUnreachable.tsx";
import { SignInPage } from "./SignInPage.tsx";

/**
 * Decides what the operator sees: the sign-in page, the forced password change, or the app. The URL
 * stays as it is throughout, so after signing in the operator lands where they meant to go.
 */
export function Root({ crm }: { crm: UiModule | null }) {
  const queryClient = useQueryClient();
  const {
    data: session,
    isPending,
    error,
    refetch,
  } = useQuery({
    queryKey: sessionKey,
    queryFn: fetchSession,
    staleTime: 60_000,
    // Picks up a module activated or a role changed by someone else when the operator comes back.
    refetchOnWindowFocus: true,
  });

  useEffect(() => {
    onUnauthorized(() => replaceSession(queryClient, null));
    return () => onUnauthorized(undefined);
  }, [queryClient]);

  if (isPending) return <FullPageLoader />;
  if (error && session === undefined) return <ServerUnreachable error={error} retry={() => void refetch()} />;
  if (!session) return <SignInPage />;
  if (session.user.mustChangePassword) {
    return (
      <SessionProvider session={session}>
        <ForcedPasswordChange />
      </SessionProvider>
    );
  }
  return (
    <SessionProvider session={session}>
      <Layout crm={crm}>
        <Outlet />
      </Layout>
    </SessionProvider>
  );
}
