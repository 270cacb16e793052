import type {
  CaughtMail,
  Digest,
  NotifierSettings,
  NotifierState,
  UpdateNotifierSettingsRequest,
} from "@licensing/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../../kit/api.ts";

const settingsKey = ["notifications", "settings"] as const;
const stateKey = ["notifications", "state"] as const;

export function useNotifierSettings() {
  return useQuery({
    queryKey: settingsKey,
    queryFn: () => api.get<NotifierSettings>("/api/notifications/settings"),
  });
}

export function useNotifierState() {
  return useQuery({
    queryKey: stateKey,
    queryFn: () => api.get<NotifierState>("/api/notifications/state"),
    // The schedule moves on its own: keep the panel current while the page is open.
    refetchInterval: 30_000,
    staleTime: 0,
  });
}

export function useSaveSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    meta: { form: true },
    mutationFn: (body: UpdateNotifierSettingsRequest) =>
      api.put<NotifierSettings>("/api/notifications/settings", body),
    onSuccess: (saved) => {
      queryClient.setQueryData(settingsKey, saved);
      return queryClient.invalidateQueries({ queryKey: ["notifications"] });
    },
  });
}

export function useSendTest() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (to: string[] | undefined) =>
      api.post<{ messageId: string; accepted: string[]; rejected: string[] }>(
        "/api/notifications/test",
        to?.length ? { to } : {},
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: devMailKey }),
  });
}

export function usePreview(day: string) {
  return useQuery({
    queryKey: ["notifications", "preview", day],
    queryFn: () => api.get<Digest>("/api/notifications/preview", { query: { day } }),
    staleTime: 0,
  });
}

const devMailKey = ["dev-mail"] as const;

export interface DevMailList {
  items: CaughtMail[];
  directory: string;
  smtp: { host: string; port: number };
}

/** The development mail catcher's messages; an error (503) means no catcher runs here. */
export function useDevMail() {
  return useQuery({
    queryKey: devMailKey,
    queryFn: () => api.get<DevMailList>("/api/dev-mail"),
    retry: false,
    staleTime: 0,
    // Where no catcher runs, one answer says so: no asking again every few seconds.
    refetchInterval: (query) => (query.state.status === "success" ? 10_000 : false),
  });
}

export interface DevMailMessage extends CaughtMail {
  messageId: string | null;
  cc: string[];
  html: string | null;
  text: string | null;
  tooLarge: boolean;
  path: string;
}

export function useDevMailMessage(id: string | undefined) {
  return useQuery({
    queryKey: [...devMailKey, id],
    queryFn: () => api.get<DevMailMessage>(`/api/dev-mail/${encodeURIComponent(id ?? "")}`),
    enabled: id !== undefined,
    staleTime: Number.POSITIVE_INFINITY,
  });
}
