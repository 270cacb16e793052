import type { LicenseParameters, Preset } from "@licensing/contracts";
import { api } from "@licensing/ui/kit";
import { type MutationMeta, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

export interface PresetBody {
  name: string;
  description: string;
  parameters: LicenseParameters;
}

export const presetKeys = { all: ["presets"] as const };

export function usePresets(enabled = true) {
  return useQuery({
    queryKey: presetKeys.all,
    queryFn: () => api.get<{ items: Preset[] }>("/api/presets"),
    select: (data) => data.items,
    enabled,
  });
}

function usePresetChange<Vars, Result>(fn: (vars: Vars) => Promise<Result>, meta?: MutationMeta) {
  const queryClient = useQueryClient();
  return useMutation({
    meta,
    mutationFn: fn,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: presetKeys.all }),
  });
}

/** The form shows field issues and the issuer's 413 (parameters past 64 KiB) in place. */
const formMeta: MutationMeta = { form: true, inPlace: ["payload_too_large"] };

export const useCreatePreset = () =>
  usePresetChange((body: PresetBody) => api.post<Preset>("/api/presets", body), formMeta);

export const useUpdatePreset = () =>
  usePresetChange(
    ({ id, ...body }: PresetBody & { id: string; expectedVersion: number }) =>
      api.patch<Preset>(`/api/presets/${encodeURIComponent(id)}`, body),
    formMeta,
  );

export const useDeletePreset = () =>
  usePresetChange((id: string) => api.delete<unknown>(`/api/presets/${encodeURIComponent(id)}`));
