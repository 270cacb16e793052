import type { Account } from "@licensing/contracts";
import { api } from "@licensing/ui/kit";
import { Group, Loader, Select, Text } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { accountKeys, useAccountSearch } from "../accounts/api.ts";

/**
 * Picks an account by name with the catalog's typo-tolerant search ("globx" finds Globex), or by its
 * external CRM id. The chosen account stays shown while the operator searches for another.
 */
export function AccountPicker({
  value,
  onChange,
  error,
  label = "Account",
  required,
  description,
  clearable,
  w,
  placeholder = "Search by name (typos are fine) or CRM id",
}: {
  value: string;
  onChange: (id: string, account: Account | undefined) => void;
  error?: React.ReactNode;
  label?: string;
  required?: boolean;
  description?: React.ReactNode;
  /** A filter's picker may be emptied; a form's required one may not. */
  clearable?: boolean;
  w?: number;
  placeholder?: string;
}) {
  const [search, setSearch] = useState("");
  const [query] = useDebouncedValue(search.trim(), 250);
  const chosen = useQuery({
    queryKey: accountKeys.one(value),
    queryFn: () => api.get<Account>(`/api/accounts/${encodeURIComponent(value)}`),
    enabled: value !== "",
  });
  const found = useAccountSearch({ query: query || undefined, limit: 20 });
  const accounts = new Map<string, Account>();
  if (value && chosen.data) accounts.set(chosen.data.id, chosen.data);
  for (const account of found.data?.items ?? []) accounts.set(account.id, account);
  const data = [...accounts.values()].map((a) => ({
    value: a.id,
    label: a.name,
    type: a.type,
    externalId: a.externalId,
  }));
  return (
    <Select
      label={label}
      description={description}
      required={required}
      clearable={clearable}
      w={w}
      placeholder={placeholder}
      leftSection={<IconSearch size={16} />}
      rightSection={found.isFetching ? <Loader size={14} /> : undefined}
      searchable
      data={data}
      value={value || null}
      searchValue={search}
      onSearchChange={setSearch}
      // The catalog already matched (and forgave typos); the box must not filter its answer again.
      filter={({ options }) => options}
      onChange={(id) => onChange(id ?? "", id ? accounts.get(id) : undefined)}
      nothingFoundMessage={query ? "No account matches" : "Type to search"}
      error={error}
      renderOption={({ option }) => {
        const o = option as (typeof data)[number];
        return (
          <Group gap="xs" wrap="nowrap">
            <Text size="sm">{o.label}</Text>
            <Text size="xs" c="dimmed">
              {o.type}
              {o.externalId ? ` · ${o.externalId}` : ""}
            </Text>
          </Group>
        );
      }}
    />
  );
}
