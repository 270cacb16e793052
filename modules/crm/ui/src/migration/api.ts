import type {
  AccountQuestion,
  LegacySource,
  MigrationIssue,
  MigrationRun,
  startMigrationRequest,
} from "@licensing/contracts";
import { api } from "@licensing/ui/kit";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";

export type StartRun = z.input<typeof startMigrationRequest>;
export type QuestionState = "open" | "decided" | "all";
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface RunList {
  source?: LegacySource | undefined;
  cursor?: string | undefined;
  limit: number;
}
export interface IssueList {
  reason?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}
export interface Decision {
  key: string;
  choice: "merge" | "separate";
  accountId: string | null;
}

/** How often a running run's progress is read. */
export const progressIntervalMs = 1_000;

export const migrationKeys = {
  all: ["migration"] as const,
  runs: (params: RunList) => ["migration", "runs", params] as const,
  run: (id: string) => ["migration", "run", id] as const,
  issues: (id: string, params?: IssueList) =>
    params ? (["migration", "issues", id, params] as const) : (["migration", "issues", id] as const),
  questions: (state: QuestionState) => ["migration", "questions", state] as const,
};

export const runPath = (id: string, rest = "") => `/api/migration/runs/${encodeURIComponent(id)}${rest}`;

/** The runs, newest first; read again every few seconds while one of them is running. */
export function useRuns(params: RunList) {
  return useQuery({
    queryKey: migrationKeys.runs(params),
    queryFn: ({ signal }) =>
      api.get<Page<MigrationRun>>("/api/migration/runs", { query: { ...params }, signal }),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      query.state.data?.items.some((run) => run.state === "running") ? 3 * progressIntervalMs : false,
  });
}

/** One run; while it runs, its progress is read every second until it has finished. */
export function useRun(id: string) {
  return useQuery({
    queryKey: migrationKeys.run(id),
    queryFn: ({ signal }) => api.get<MigrationRun>(runPath(id), { signal }),
    refetchInterval: (query) => (query.state.data?.state === "running" ? progressIntervalMs : false),
    // A running run is never fresh: coming back to its page reads it again at once.
    staleTime: (query) => (query.state.data?.state === "running" ? 0 : 15_000),
  });
}

export function useRunIssues(id: string, params: IssueList) {
  return useQuery({
    queryKey: migrationKeys.issues(id, params),
    queryFn: ({ signal }) =>
      api.get<Page<MigrationIssue>>(runPath(id, "/issues"), { query: { ...params }, signal }),
    placeholderData: keepPreviousData,
  });
}

/** A source's default mapping, read when the operator asks to start from it. */
export function fetchDefaultMapping(source: LegacySource): Promise<{ source: LegacySource; yaml: string }> {
  return api.get(`/api/migration/mappings/${encodeURIComponent(source)}`);
}

export function useStartRun() {
  const queryClient = useQueryClient();
  return useMutation({
    // The form shows every refusal in place: the field's issues on the field, the rest (a mapping's
    // problems, a run already going) in the form's alert.
    meta: { silent: true },
    mutationFn: (body: StartRun) => api.post<MigrationRun>("/api/migration/runs", body),
    onSuccess: async (run) => {
      queryClient.setQueryData(migrationKeys.run(run.id), run);
      await queryClient.invalidateQueries({ queryKey: ["migration", "runs"] });
    },
  });
}

export function useRollback(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    // The confirmation shows the refusal (a license changed since: 409) in place.
    meta: { silent: true },
    mutationFn: () => api.post<MigrationRun>(runPath(id, "/rollback")),
    onSuccess: async (run) => {
      queryClient.setQueryData(migrationKeys.run(run.id), run);
      await queryClient.invalidateQueries({ queryKey: ["migration", "runs"] });
    },
  });
}

/** Asks a running run to stop after its batch in flight; the run's readings show it end. */
export function useCancelRun(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    // The confirmation shows a refusal (the run has ended meanwhile: 409) in place.
    meta: { silent: true },
    mutationFn: () => api.post<MigrationRun>(runPath(id, "/cancel")),
    onSuccess: (run) => queryClient.setQueryData(migrationKeys.run(run.id), run),
  });
}

export function useAccountQuestions(state: QuestionState) {
  return useQuery({
    queryKey: migrationKeys.questions(state),
    queryFn: ({ signal }) =>
      api.get<{ items: AccountQuestion[] }>("/api/migration/account-questions", { query: { state }, signal }),
    select: (data) => data.items,
  });
}

export function useDecideAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ key, ...body }: Decision) =>
      api.post<AccountQuestion>(`/api/migration/account-questions/${encodeURIComponent(key)}/decision`, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["migration", "questions"] }),
  });
}
