import { type Action, builtInRoles } from "@licensing/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../kit/api.ts";
import type { RoleInfo } from "../../kit/types.ts";

export const rolesKey = ["roles"] as const;

/** Every role, built-in ones first, then custom ones by name (`GET /api/roles`). */
export function useRoles() {
  return useQuery({
    queryKey: rolesKey,
    queryFn: () => api.get<{ items: RoleInfo[] }>("/api/roles"),
    select: (data) => data.items,
  });
}

/**
 * The roles a user may be given, for the role pickers: the built-in ones at once (the UI knows them),
 * the custom ones once the gateway has listed them.
 */
export function useRoleOptions(): { name: string; description: string; builtIn: boolean }[] {
  const roles = useRoles();
  const custom = (roles.data ?? []).filter((role) => role.builtIn === false);
  return [...builtInRoles, ...custom];
}

export interface RoleBody {
  name: string;
  description: string;
  actions: Action[];
}

function useRoleMutation<Vars, Result>(fn: (vars: Vars) => Promise<Result>, meta?: { form?: boolean }) {
  const queryClient = useQueryClient();
  return useMutation({
    meta,
    mutationFn: fn,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: rolesKey }),
  });
}

export const useCreateRole = () =>
  useRoleMutation((body: RoleBody) => api.post<RoleInfo>("/api/roles", body), { form: true });

export const useUpdateRole = () =>
  useRoleMutation(
    ({ name, ...body }: { name: string; description: string; actions: Action[]; expectedVersion?: number }) =>
      api.patch<RoleInfo>(`/api/roles/${encodeURIComponent(name)}`, body),
    { form: true },
  );

export const useDeleteRole = () =>
  useRoleMutation((name: string) => api.delete<void>(`/api/roles/${encodeURIComponent(name)}`));
