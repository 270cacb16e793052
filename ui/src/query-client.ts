import type { ErrorCode } from "@licensing/contracts";
import { MutationCache, QueryClient } from "@tanstack/react-query";
import { ApiError } from "./kit/api.ts";
import { notifyError } from "./kit/notify.tsx";

declare module "@tanstack/react-query" {
  interface Register {
    mutationMeta: {
      /** The form shows `validation_failed` issues on its fields: no notification for those. */
      form?: boolean;
      /** Error codes the form shows in place (e.g. `payload_too_large` beside the size): no notification. */
      inPlace?: readonly ErrorCode[];
      /** The caller reports errors itself. */
      silent?: boolean;
    };
  }
}

/** A 4xx will not change on retry; a network error or a 5xx may. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 2;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 15_000, retry: shouldRetry, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
    // Every failed change is reported once, with its request id; loads show their errors in place.
    mutationCache: new MutationCache({
      onError: (error, _variables, _result, mutation) => {
        const meta = mutation.meta ?? {};
        if (meta.silent) return;
        if (error instanceof ApiError && meta.inPlace?.includes(error.code as ErrorCode)) return;
        if (
          meta.form &&
          error instanceof ApiError &&
          error.code === "validation_failed" &&
          error.issues.length > 0
        )
          return;
        notifyError(error);
      },
    }),
  });
}
