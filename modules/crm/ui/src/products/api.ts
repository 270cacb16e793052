import type { createProductRequest, Product, updateProductRequest } from "@licensing/contracts";
import { api, useCan } from "@licensing/ui/kit";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import type { z } from "zod";

export type CreateProduct = z.input<typeof createProductRequest>;
export type UpdateProduct = z.input<typeof updateProductRequest>;

export const productKeys = {
  all: ["products"] as const,
  one: (code: string) => ["products", "one", code] as const,
};

const path = (code: string) => `/api/products/${encodeURIComponent(code)}`;

export function useProducts() {
  return useQuery({
    queryKey: productKeys.all,
    queryFn: () => api.get<{ items: Product[] }>("/api/products"),
    select: (data) => data.items,
  });
}

/**
 * Product names by code, for lists that hold codes (the licenses table). Empty while loading, when it
 * failed, or for a role that may not read products: callers then show the codes.
 */
export function useProductNames(): ReadonlyMap<string, string> {
  const canRead = useCan("product.read");
  const { data } = useQuery({
    queryKey: productKeys.all,
    queryFn: () => api.get<{ items: Product[] }>("/api/products"),
    enabled: canRead,
  });
  return useMemo(() => new Map((data?.items ?? []).map((p) => [p.code, p.name])), [data]);
}

export function useProduct(code: string) {
  return useQuery({ queryKey: productKeys.one(code), queryFn: () => api.get<Product>(path(code)) });
}

function useProductChange<Vars, Result>(fn: (vars: Vars) => Promise<Result>, meta?: { form?: boolean }) {
  const queryClient = useQueryClient();
  return useMutation({
    meta,
    mutationFn: fn,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: productKeys.all }),
  });
}

export const useCreateProduct = () =>
  useProductChange((body: CreateProduct) => api.post<Product>("/api/products", body), { form: true });

export const useUpdateProduct = () =>
  useProductChange(({ code, ...body }: UpdateProduct) => api.patch<Product>(path(code), body), {
    form: true,
  });

export const useDeleteProduct = () => useProductChange((code: string) => api.delete<unknown>(path(code)));
