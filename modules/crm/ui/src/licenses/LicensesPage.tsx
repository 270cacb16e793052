import "@mantine/dates/styles.css";
import type { LicenseSummary } from "@licensing/contracts";
import { Can, PageHeader, useSearchParamsUpdate } from "@licensing/ui/kit";
import { Button, Group, Stack, Text } from "@mantine/core";
import { IconDownload, IconFilterOff, IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { Link } from "react-router";
import { matchText } from "../match-count.ts";
import { SavedViews } from "../SavedViews.tsx";
import { useLicenseCount } from "./api.ts";
import { BulkBar } from "./BulkActions.tsx";
import {
  activeFilterCount,
  filtersFromParams,
  filtersToParams,
  filtersToQuery,
  type LicenseFilters,
} from "./filters.ts";
import { LicenseFilterBar, MoreFilterChips } from "./LicenseFilterBar.tsx";
import { ColumnChooser, LicenseTable } from "./LicenseTable.tsx";

/** The filters in the URL; text fields wait for a pause in typing before they change it. */
function useUrlFilters() {
  const [params, update] = useSearchParamsUpdate();
  const filters = filtersFromParams(params);
  // From the latest change asked for, not this render's query: two changes in a row both apply.
  const set = (change: Partial<LicenseFilters>) =>
    update((latest) => filtersToParams({ ...filtersFromParams(latest), ...change }), { replace: true });
  return { filters, set, clear: () => update(() => new URLSearchParams(), { replace: true }) };
}

/** "1,234 licenses match" (or "10,000+" past the issuer's count limit), announced as it changes. */
function MatchCount({ query }: { query: ReturnType<typeof filtersToQuery> }) {
  const counted = useLicenseCount(query);
  if (!counted.data) return null;
  return (
    <Text size="sm" c="dimmed" role="status" aria-live="polite">
      {matchText(counted.data, "license")}
    </Text>
  );
}

export function LicensesPage() {
  const { filters, set, clear } = useUrlFilters();
  const [moreOpen, setMoreOpen] = useState(false);
  const exportQuery = new URLSearchParams(
    Object.entries(filtersToQuery(filters)).map(([key, value]) => [key, String(value)]),
  );
  const count = activeFilterCount(filters);
  const query = filtersToQuery(filters);
  // The selection belongs to the filters it was made under: other filters start with none.
  const [selection, setSelection] = useState<{ key: string; licenses: LicenseSummary[] }>({
    key: "",
    licenses: [],
  });
  const filterKey = JSON.stringify({ ...query, sort: undefined, order: undefined });
  const selected = selection.key === filterKey ? selection.licenses : [];
  const select = (licenses: LicenseSummary[]) => setSelection({ key: filterKey, licenses });
  return (
    <Stack>
      <PageHeader
        title="Licenses"
        description="Every license; filters stay in the address, so a view can be shared."
        actions={
          <>
            <Can action="license.export">
              <Button
                component="a"
                href={`/api/licenses/export.csv?${exportQuery}`}
                download
                variant="default"
                leftSection={<IconDownload size={16} />}
              >
                Export CSV
              </Button>
            </Can>
            <Can action="license.create.test">
              <Button component={Link} to="/crm/generator" leftSection={<IconPlus size={16} />}>
                New license
              </Button>
            </Can>
          </>
        }
      />
      <LicenseFilterBar
        filters={filters}
        set={set}
        moreOpen={moreOpen}
        onMoreToggle={() => setMoreOpen((open) => !open)}
      />
      <Group justify="space-between">
        <Group gap="sm">
          {!moreOpen && <MoreFilterChips filters={filters} set={set} />}
          <SavedViews table="licenses" />
          <MatchCount query={query} />
          <Button
            variant="subtle"
            size="xs"
            leftSection={<IconFilterOff size={14} />}
            disabled={count === 0}
            onClick={clear}
          >
            Clear filters{count ? ` (${count})` : ""}
          </Button>
        </Group>
        <ColumnChooser />
      </Group>
      <BulkBar selected={selected} onSelect={select} query={query} />
      <LicenseTable
        filters={filters}
        selection={{ selected, onChange: select }}
        onSort={(sort, order) => set({ sort, order })}
        emptyText={count ? "No license matches these filters" : "No licenses yet"}
      />
    </Stack>
  );
}
