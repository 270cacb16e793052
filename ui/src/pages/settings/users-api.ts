import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../kit/api.ts";
import type { User } from "../../kit/types.ts";
import { rolesKey } from "./roles-api.ts";

const usersKey = ["users"] as const;

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
    // Who holds which role changed: the roles' holder counts too.
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: usersKey }),
        queryClient.invalidateQueries({ queryKey: rolesKey }),
      ]),
  });
}

export interface CreateUserBody {
  username: string;
  roles: string[];
  password?: string;
}

export const useCreateUser = () =>
  useUserMutation(
    (body: CreateUserBody) => api.post<{ user: User; temporaryPassword?: string }>("/api/users", body),
    { form: true },
  );

export const useUpdateUser = () =>
  useUserMutation(({ id, ...body }: { id: string; roles?: string[]; disabled?: boolean }) =>
    api.patch<User>(`/api/users/${encodeURIComponent(id)}`, body),
  );

export const useResetPassword = () =>
  useUserMutation((id: string) =>
    api.post<{ temporaryPassword: string }>(`/api/users/${encodeURIComponent(id)}/password-reset`),
  );
