import type {
  DelegationCollectorsPage,
  DelegationStatus,
  delegationResponse,
  receiptUploadResponse,
} from "@licensing/contracts";
import { api } from "@licensing/ui/kit";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import { licensePath } from "../licenses/api.ts";

/** A certificate as the gateway answers an offline request. */
export type AnsweredRequest = z.infer<typeof delegationResponse>;
/** What an import of receipts counted, and what it found wrong. */
export type ImportedReceipts = z.infer<typeof receiptUploadResponse>;

const delegationKey = (id: string) => ["delegation", id] as const;

export const useDelegation = (licenseId: string) =>
  useQuery({
    queryKey: delegationKey(licenseId),
    queryFn: ({ signal }) => api.get<DelegationStatus>(licensePath(licenseId, "/delegation"), { signal }),
    // Receipts arrive while the page is open (a cockpit online uploads them); a look on focus is cheap.
    refetchOnWindowFocus: true,
  });

/** A page of the collectors' table: `holdingSeat` undefined lists every collector. */
export interface CollectorsQuery {
  holdingSeat?: boolean;
  cursor?: string;
  limit: number;
}

export const useDelegationCollectors = (licenseId: string, query: CollectorsQuery) =>
  useQuery({
    // Under the status's key: a change to the delegation makes both stale at once.
    queryKey: [...delegationKey(licenseId), "collectors", query] as const,
    queryFn: ({ signal }) =>
      api.get<DelegationCollectorsPage>(licensePath(licenseId, "/delegation/collectors"), {
        query: { ...query },
        signal,
      }),
    placeholderData: keepPreviousData,
    refetchOnWindowFocus: true,
  });

/**
 * A change to the delegation: each shows its own outcome (and its error) in its dialog, so none is
 * notified twice; the status is stale afterwards.
 */
function useDelegationChange<Body, Result>(licenseId: string, action: string) {
  const queryClient = useQueryClient();
  return useMutation({
    meta: { silent: true },
    mutationFn: (body: Body) => api.post<Result>(licensePath(licenseId, `/delegation/${action}`), body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: delegationKey(licenseId) }),
  });
}

export const useAnswerRequest = (licenseId: string) =>
  useDelegationChange<{ request: string }, AnsweredRequest>(licenseId, "answer");

/** The body is the exported file as it is (`{leases, logs}`). */
export const useImportReceipts = (licenseId: string) =>
  useDelegationChange<unknown, ImportedReceipts>(licenseId, "receipts");

export const useRevokeDelegation = (licenseId: string) =>
  useDelegationChange<{ reason: string }, DelegationStatus>(licenseId, "revoke");
