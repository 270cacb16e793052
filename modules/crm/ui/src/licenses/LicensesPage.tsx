import "@mantine/dates/styles.css";
import type { LicenseSummary } from "@licensing/contracts";
import { licenseStatuses } from "@licensing/contracts";
import { Can, PageHeader } from "@licensing/ui/kit";
import { Button, Group, MultiSelect, Select, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useDebouncedValue } from "@mantine/hooks";
import { IconDownload, IconFilterOff, IconPlus, IconSearch } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { matchText } from "../match-count.ts";
import { ProductFilter } from "../products/fields.tsx";
import { SavedViews } from "../SavedViews.tsx";
import { AccountPicker } from "./AccountPicker.tsx";
import { useLicenseCount } from "./api.ts";
import { BulkBar } from "./BulkActions.tsx";
import {
  activeFilterCount,
  filtersFromParams,
  filtersToParams,
  filtersToQuery,
  type LicenseFilters,
} from "./filters.ts";
import { ColumnChooser, LicenseTable } from "./LicenseTable.tsx";

/** The filters in the URL; text fields wait for a pause in typing before they change it. */
function useUrlFilters() {
  const [params, setParams] = useSearchParams();
  const filters = filtersFromParams(params);
  const set = (change: Partial<LicenseFilters>) =>
    // From the router's current query, not this render's: two changes in a row both apply.
    setParams((current) => filtersToParams({ ...filtersFromParams(current), ...change }), { replace: true });
  return { filters, set, clear: () => setParams(new URLSearchParams(), { replace: true }) };
}

/** A text filter typed freely, written to the URL 300 ms after the last keystroke. */
function useDebouncedText(value: string, commit: (text: string) => void) {
  const [text, setText] = useState(value);
  const [settled] = useDebouncedValue(text.trim(), 300);
  // Only a settled change of the text writes; the URL changing (a clear) resets the box below.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the typed text settles, not when the URL moves
  useEffect(() => {
    if (settled !== value) commit(settled);
  }, [settled]);
  useEffect(() => setText((current) => (current.trim() === value ? current : value)), [value]);
  return [text, setText] as const;
}

/**
 * A range of days, both included. The first click of a range only starts it: the filter changes once
 * both ends are picked (or the range is cleared).
 */
function DayRange({
  label,
  from,
  to,
  onChange,
}: {
  label: string;
  from: string;
  to: string;
  onChange: (from: string, to: string) => void;
}) {
  const [value, setValue] = useState<[string | null, string | null]>([from || null, to || null]);
  useEffect(() => setValue([from || null, to || null]), [from, to]);
  return (
    <DatePickerInput
      type="range"
      label={label}
      placeholder="Any day"
      clearable
      allowSingleDateInRange
      value={value}
      onChange={(next) => {
        setValue(next);
        if (next[0] && next[1]) onChange(next[0], next[1]);
        else if (!next[0] && !next[1]) onChange("", "");
      }}
    />
  );
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
  const [text, setText] = useDebouncedText(filters.text, (value) => set({ text: value }));
  const [createdBy, setCreatedBy] = useDebouncedText(filters.createdBy, (value) => set({ createdBy: value }));
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
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
        <TextInput
          label="Search"
          placeholder="License key, its last group, or account name"
          leftSection={<IconSearch size={16} />}
          type="search"
          value={text}
          onChange={(event) => setText(event.currentTarget.value)}
        />
        <AccountPicker value={filters.accountId} onChange={(accountId) => set({ accountId })} />
        <ProductFilter value={filters.product} onChange={(product) => set({ product })} />
        <MultiSelect
          label="Status"
          placeholder={filters.status.length ? undefined : "Any"}
          clearable
          data={[...licenseStatuses]}
          value={filters.status}
          onChange={(status) => set({ status: status as LicenseFilters["status"] })}
        />
        <Select
          label="Kind"
          placeholder="Any"
          clearable
          data={[
            { value: "commercial", label: "Commercial" },
            { value: "test", label: "Test" },
          ]}
          value={filters.kind || null}
          onChange={(kind) => set({ kind: (kind ?? "") as LicenseFilters["kind"] })}
        />
        <Select
          label="Internal use"
          placeholder="Any"
          clearable
          data={[
            { value: "true", label: "Internal only" },
            { value: "false", label: "Not internal" },
          ]}
          value={filters.internal || null}
          onChange={(internal) => set({ internal: (internal ?? "") as LicenseFilters["internal"] })}
        />
        <TextInput
          label="Created by"
          placeholder="Username"
          value={createdBy}
          onChange={(event) => setCreatedBy(event.currentTarget.value)}
        />
        <DayRange
          label="Created"
          from={filters.createdFrom}
          to={filters.createdTo}
          onChange={(createdFrom, createdTo) => set({ createdFrom, createdTo })}
        />
        <DayRange
          label="Ends"
          from={filters.endFrom}
          to={filters.endTo}
          onChange={(endFrom, endTo) => set({ endFrom, endTo })}
        />
      </SimpleGrid>
      <Group justify="space-between">
        <Group gap="sm">
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
