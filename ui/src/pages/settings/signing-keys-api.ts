import type { KeyRole, SigningKey } from "@licensing/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../kit/api.ts";

const signingKeysKey = ["signing-keys"] as const;

export const useSigningKeys = () =>
  useQuery({
    queryKey: signingKeysKey,
    queryFn: () => api.get<{ items: SigningKey[] }>("/api/signing-keys"),
    select: (data) => data.items,
  });

export function useRotateSigningKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (role: KeyRole) => api.post<SigningKey>("/api/signing-keys/rotate", { role }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: signingKeysKey }),
  });
}
