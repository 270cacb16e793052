import type { Action } from "@licensing/contracts";
import { createContext, type ReactNode, use } from "react";
import type { Session } from "./types.ts";

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext value={session}>{children}</SessionContext>;
}

/** The signed-in operator's session; only pages inside the signed-in shell call it. */
export function useSession(): Session {
  const session = use(SessionContext);
  if (!session) throw new Error("useSession() is used outside the signed-in shell");
  return session;
}

/** Whether the signed-in user may do `action` (the gateway refuses it anyway when not). */
export function useCan(action: Action): boolean {
  return useSession().permissions.includes(action);
}

/** Renders its children only for users who may do `action`: controls a role may not use are not shown. */
export function Can({ action, children }: { action: Action; children: ReactNode }) {
  return useCan(action) ? children : null;
}
