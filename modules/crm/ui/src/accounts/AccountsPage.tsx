import "mantine-datatable/styles.css";
import type { Account } from "@licensing/contracts";
import {
  Can,
  CursorPager,
  formatDateTime,
  PageHeader,
  QueryError,
  useCursorPages,
  useSearchParamsUpdate,
} from "@licensing/ui/kit";
import {
  Anchor,
  Badge,
  Button,
  Group,
  SegmentedControl,
  Stack,
  Switch,
  Text,
  TextInput,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconFileImport, IconPlus, IconSearch } from "@tabler/icons-react";
import { DataTable } from "mantine-datatable";
import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";
import { matchText } from "../match-count.ts";
import { SavedViews } from "../SavedViews.tsx";
import { AccountBulkBar } from "./AccountBulk.tsx";
import { type AccountSearch, useAccountCount, useAccountSearch } from "./api.ts";
import { countryName } from "./countries.ts";

const typeFilters = [
  { value: "", label: "All" },
  { value: "customer", label: "Customers" },
  { value: "prospect", label: "Prospects" },
];

export function TypeBadge({ type }: { type: Account["type"] }) {
  return (
    <Badge variant="light" color={type === "customer" ? "indigo" : "grape"} size="sm">
      {type}
    </Badge>
  );
}

/** The search box's text, debounced, with type and archived in the URL so a filtered list can be shared. */
function useAccountFilters() {
  const [params, update] = useSearchParamsUpdate();
  const [text, setText] = useState(params.get("q") ?? "");
  const [query] = useDebouncedValue(text.trim(), 300);
  const type =
    params.get("type") === "customer" || params.get("type") === "prospect" ? params.get("type") : "";
  const includeArchived = params.get("archived") === "1";
  // From the latest change asked for: the debounced search and a type clicked meanwhile both apply.
  const set = useCallback(
    (key: string, value: string) =>
      update(
        (next) => {
          if (value) next.set(key, value);
          else next.delete(key);
          return next;
        },
        { replace: true },
      ),
    [update],
  );
  const addressText = params.get("q") ?? "";
  // Only a settled change of the typed text writes the address; the address changing otherwise (a
  // saved view applied, Back) fills the box, rather than the box's old text overwriting it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the typed text settles, not when the address moves
  useEffect(() => {
    if ((new URLSearchParams(window.location.search).get("q") ?? "") !== query) set("q", query);
  }, [query]);
  useEffect(
    () => setText((current) => (current.trim() === addressText ? current : addressText)),
    [addressText],
  );
  return {
    text,
    setText,
    query,
    type: (type ?? "") as "" | Account["type"],
    setType: (value: string) => set("type", value),
    includeArchived,
    setIncludeArchived: (value: boolean) => set("archived", value ? "1" : ""),
  };
}

export function AccountsPage() {
  const navigate = useNavigate();
  const filters = useAccountFilters();
  const pages = useCursorPages(JSON.stringify([filters.query, filters.type, filters.includeArchived]));
  const search: AccountSearch = {
    query: filters.query || undefined,
    type: filters.type || undefined,
    includeArchived: filters.includeArchived,
    cursor: pages.cursor,
    limit: pages.limit,
  };
  const accounts = useAccountSearch(search);
  const counted = useAccountCount({
    query: search.query,
    type: search.type,
    includeArchived: search.includeArchived,
  });
  const rows = accounts.data?.items ?? [];
  // The selection belongs to the filters it was made under (as in the licenses table): other
  // filters start with none, paging keeps it.
  const filter = { query: search.query, type: search.type, includeArchived: search.includeArchived };
  const filterKey = JSON.stringify(filter);
  const [selection, setSelection] = useState<{ key: string; accounts: Account[] }>({ key: "", accounts: [] });
  const selected = selection.key === filterKey ? selection.accounts : [];
  const select = (chosen: Account[]) => setSelection({ key: filterKey, accounts: chosen });

  return (
    <Stack>
      <PageHeader
        title="Customer accounts"
        description="Customers and prospects, the owners of licenses."
        actions={
          <Can action="account.write">
            <Button
              component={Link}
              to="/crm/accounts/import"
              variant="default"
              leftSection={<IconFileImport size={16} />}
            >
              Import CSV
            </Button>
            <Button component={Link} to="/crm/accounts/new" leftSection={<IconPlus size={16} />}>
              New account
            </Button>
          </Can>
        }
      />
      <Group align="flex-end" gap="md" wrap="wrap">
        <TextInput
          label="Search"
          placeholder="Name or external id; typos are fine"
          leftSection={<IconSearch size={16} />}
          value={filters.text}
          onChange={(event) => filters.setText(event.currentTarget.value)}
          w={{ base: "100%", sm: 340 }}
          type="search"
        />
        <Stack gap={4}>
          <Text size="sm" fw={500} id="account-type-filter">
            Type
          </Text>
          <SegmentedControl
            aria-labelledby="account-type-filter"
            data={typeFilters}
            value={filters.type}
            onChange={filters.setType}
          />
        </Stack>
        <Switch
          label="Show archived"
          checked={filters.includeArchived}
          onChange={(event) => filters.setIncludeArchived(event.currentTarget.checked)}
          mb={8}
        />
        <Group mb={4}>
          <SavedViews table="accounts" />
        </Group>
        {counted.data && (
          <Text size="sm" c="dimmed" mb={8} role="status" aria-live="polite">
            {matchText(counted.data, "account")}
          </Text>
        )}
      </Group>
      {accounts.error ? (
        <QueryError error={accounts.error} retry={() => void accounts.refetch()} />
      ) : (
        <>
          <AccountBulkBar selected={selected} onSelect={select} filter={filter} />
          <DataTable<Account>
            withTableBorder
            highlightOnHover
            minHeight={200}
            fetching={accounts.isFetching}
            records={rows}
            selectedRecords={selected}
            onSelectedRecordsChange={select}
            allRecordsSelectionCheckboxProps={{ "aria-label": "Select every account on this page" }}
            getRecordSelectionCheckboxProps={(account) => ({
              "aria-label": `Select account ${account.name}`,
            })}
            noRecordsText={filters.query ? "No account matches this search" : "No accounts yet"}
            onRowClick={({ record }) => navigate(`/crm/accounts/${record.id}`)}
            columns={[
              {
                accessor: "name",
                title: "Name",
                render: (account) => (
                  <Group gap={6} wrap="nowrap">
                    <Anchor
                      component={Link}
                      to={`/crm/accounts/${account.id}`}
                      size="sm"
                      fw={500}
                      onClick={(event) => event.stopPropagation()}
                    >
                      {account.name}
                    </Anchor>
                    {account.archived && (
                      <Badge size="xs" color="gray" variant="outline">
                        archived
                      </Badge>
                    )}
                  </Group>
                ),
              },
              { accessor: "type", title: "Type", render: (account) => <TypeBadge type={account.type} /> },
              {
                accessor: "country",
                title: "Country",
                render: (account) => (account.country ? countryName(account.country) : "—"),
              },
              {
                accessor: "salesOwner",
                title: "Sales owner",
                render: (account) => account.salesOwner ?? "—",
              },
              {
                accessor: "contacts",
                title: "Main contact",
                render: (account) => account.contacts[0]?.email ?? "—",
              },
              {
                accessor: "externalId",
                title: "External id",
                render: (account) => account.externalId ?? "—",
              },
              {
                accessor: "updatedAt",
                title: "Updated",
                render: (account) => formatDateTime(account.updatedAt),
              },
            ]}
          />
          <CursorPager pages={pages} nextCursor={accounts.data?.nextCursor} shown={rows.length} />
        </>
      )}
    </Stack>
  );
}
