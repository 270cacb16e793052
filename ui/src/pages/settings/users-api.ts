import type { Role } from "@licensing/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../kit/api.ts";
import type { User } from "../../kit/types.ts";

const usersKey = ["users"] as const;

/** What each role may do, in the words of docs/architecture.md, for the role pickers. */
export const roleDescriptions: Record<Role, string> = {
  superadmin: "Users, activation, signing keys, settings; everything else too",
  "license-admin": "Everything on licenses and accounts, internal licenses",
  sales: "Accounts; commercial and test licenses for customers and prospects",
  support: "Test licenses; reads everything",
  viewer: "Reads everything, changes nothing",
  auditor: "Reads the audit log (Settings → Audit), nothing else",
};

export function useUsers() {
  return useQuery({
    queryKey: usersKey,
    queryFn: () => api.get<{ items: User[] }>("/api/users"),
    select: (data) => data.items,
  });
}

function useUserMutation<Vars, Result>(fn: (vars: Vars) => Promise<Result>, meta?: { form?: boolean }) {
  const queryClient = useQueryClient();
  return useMutation({
    meta,
    mutationFn: fn,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKey }),
  });
}

export interface CreateUserBody {
  username: string;
  roles: Role[];
  password?: string;
}

export const useCreateUser = () =>
  useUserMutation(
    (body: CreateUserBody) => api.post<{ user: User; temporaryPassword?: string }>("/api/users", body),
    { form: true },
  );

export const useUpdateUser = () =>
  useUserMutation(({ id, ...body }: { id: string; roles?: Role[]; disabled?: boolean }) =>
    api.patch<User>(`/api/users/${encodeURIComponent(id)}`, body),
  );

export const useResetPassword = () =>
  useUserMutation((id: string) =>
    api.post<{ temporaryPassword: string }>(`/api/users/${encodeURIComponent(id)}/password-reset`),
  );
