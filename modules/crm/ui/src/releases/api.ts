import type { ProductRelease, ReleaseChannel, ReleaseDownloads } from "@licensing/contracts";
import { api } from "@licensing/ui/kit";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

export interface ReleaseFilters {
  channel?: string;
  state?: ProductRelease["state"];
}

export interface CreateRelease {
  version: string;
  channel: string;
  notes: string;
  minUpgradableFrom?: string | null;
  maxUpgradableFrom?: string | null;
}

export interface UpdateRelease {
  expectedRevision?: number;
  notes?: string;
  channel?: string;
  minUpgradableFrom?: string | null;
  maxUpgradableFrom?: string | null;
}

export interface SaveChannel {
  code: string;
  name: string;
  kinds: ReleaseChannel["kinds"];
  position: number;
}

export const releaseKeys = {
  all: ["releases"] as const,
  channels: ["releases", "channels"] as const,
  ofProduct: (product: string, filters: ReleaseFilters) => ["releases", "product", product, filters] as const,
  one: (id: string) => ["releases", "one", id] as const,
  downloads: (id: string) => ["releases", "downloads", id] as const,
};

const releasePath = (id: string) => `/api/releases/${encodeURIComponent(id)}`;

export function useChannels() {
  return useQuery({
    queryKey: releaseKeys.channels,
    queryFn: () => api.get<{ items: ReleaseChannel[] }>("/api/release-channels"),
    select: (data) => data.items,
  });
}

export function useReleases(product: string | null, filters: ReleaseFilters) {
  return useQuery({
    queryKey: releaseKeys.ofProduct(product ?? "", filters),
    queryFn: () =>
      api.get<{ items: ProductRelease[] }>(`/api/products/${encodeURIComponent(product ?? "")}/releases`, {
        query: { channel: filters.channel, state: filters.state },
      }),
    select: (data) => data.items,
    enabled: product !== null,
  });
}

export function useRelease(id: string) {
  return useQuery({ queryKey: releaseKeys.one(id), queryFn: () => api.get<ProductRelease>(releasePath(id)) });
}

/** How often a published (or yanked) release's files were downloaded; drafts have none to ask for. */
export function useReleaseDownloads(id: string, enabled: boolean) {
  return useQuery({
    queryKey: releaseKeys.downloads(id),
    queryFn: () => api.get<ReleaseDownloads>(`${releasePath(id)}/downloads`),
    enabled,
  });
}

/** A change that answers the release: kept as the release's data, and every list refreshed. */
function useReleaseChange<Vars>(
  fn: (vars: Vars) => Promise<ProductRelease>,
  meta?: { form?: boolean; silent?: boolean },
) {
  const queryClient = useQueryClient();
  return useMutation({
    meta,
    mutationFn: fn,
    onSuccess: (release) => {
      queryClient.setQueryData(releaseKeys.one(release.id), release);
      return queryClient.invalidateQueries({ queryKey: ["releases", "product"] });
    },
  });
}

export const useCreateRelease = (product: string) =>
  useReleaseChange(
    (body: CreateRelease) =>
      api.post<ProductRelease>(`/api/products/${encodeURIComponent(product)}/releases`, body),
    { form: true },
  );

/** The form reports a `conflict` itself (with a reload), and puts issues on its fields. */
export const useUpdateRelease = (id: string) =>
  useReleaseChange((body: UpdateRelease) => api.patch<ProductRelease>(releasePath(id), body), {
    silent: true,
  });

export const usePublishRelease = (id: string) =>
  useReleaseChange(() => api.post<ProductRelease>(`${releasePath(id)}/publish`));

export const useYankRelease = (id: string) =>
  useReleaseChange((reason: string) => api.post<ProductRelease>(`${releasePath(id)}/yank`, { reason }), {
    form: true,
  });

export const useDeleteRelease = (id: string) =>
  useReleaseChange(() => api.delete<ProductRelease>(releasePath(id)));

export const useRemoveArtifact = (id: string) =>
  useReleaseChange((artifactId: string) =>
    api.delete<ProductRelease>(`${releasePath(id)}/artifacts/${encodeURIComponent(artifactId)}`),
  );

function useChannelChange<Vars, Result>(fn: (vars: Vars) => Promise<Result>, meta?: { form?: boolean }) {
  const queryClient = useQueryClient();
  return useMutation({
    meta,
    mutationFn: fn,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: releaseKeys.channels }),
  });
}

export const useSaveChannel = () =>
  useChannelChange(
    ({ code, ...body }: SaveChannel) =>
      api.put<ReleaseChannel>(`/api/release-channels/${encodeURIComponent(code)}`, body),
    { form: true },
  );

export const useDeleteChannel = () =>
  useChannelChange((code: string) =>
    api.delete<unknown>(`/api/release-channels/${encodeURIComponent(code)}`),
  );
