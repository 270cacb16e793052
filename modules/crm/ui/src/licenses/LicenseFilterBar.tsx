import { licenseStatuses } from "@licensing/contracts";
import { formatDate } from "@licensing/ui/kit";
import {
  Badge,
  Button,
  CloseButton,
  Collapse,
  Group,
  MultiSelect,
  Select,
  TextInput,
  VisuallyHidden,
} from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useDebouncedValue } from "@mantine/hooks";
import { IconChevronDown, IconChevronUp, IconSearch } from "@tabler/icons-react";
import { useEffect, useState } from "react";
import { ProductFilter } from "../products/fields.tsx";
import { AccountPicker } from "./AccountPicker.tsx";
import { CreatedByPicker } from "./CreatedByPicker.tsx";
import {
  activeMoreFilters,
  clearingOf,
  type LicenseFilters,
  type MoreFilter,
  startOfDay,
} from "./filters.ts";

// The licenses table's filters (issue 17): one row at 1440 px of what operators filter by most (and
// what the dashboard's links set), the rest behind "More filters", whose badge counts those set;
// while it is closed, each of them set shows as a chip that removes it, so no row is missing unseen.

type Set = (change: Partial<LicenseFilters>) => void;

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
      w={250}
      value={value}
      onChange={(next) => {
        setValue(next);
        if (next[0] && next[1]) onChange(next[0], next[1]);
        else if (!next[0] && !next[1]) onChange("", "");
      }}
    />
  );
}

const moreFiltersId = "license-more-filters";

/** The row of filters and, under it when opened, the others. */
export function LicenseFilterBar({
  filters,
  set,
  moreOpen,
  onMoreToggle,
}: {
  filters: LicenseFilters;
  set: Set;
  moreOpen: boolean;
  onMoreToggle: () => void;
}) {
  const [text, setText] = useDebouncedText(filters.text, (value) => set({ text: value }));
  const hiddenSet = activeMoreFilters(filters).length;
  return (
    <div>
      <Group gap="sm" align="flex-end" wrap="wrap" data-testid="license-filter-row">
        <TextInput
          label="Search"
          placeholder="Key or account name"
          leftSection={<IconSearch size={16} />}
          type="search"
          value={text}
          onChange={(event) => setText(event.currentTarget.value)}
          style={{ flex: "1 1 160px" }}
        />
        <AccountPicker
          value={filters.accountId}
          onChange={(accountId) => set({ accountId })}
          clearable
          w={200}
          placeholder="Name or CRM id"
        />
        <ProductFilter value={filters.product} onChange={(product) => set({ product })} w={160} />
        <MultiSelect
          label="Status"
          placeholder={filters.status.length ? undefined : "Any"}
          clearable
          w={200}
          // The chosen statuses stay on one line (the list shows them all, checked).
          styles={{ pillsList: { flexWrap: "nowrap", overflow: "hidden" } }}
          data={[...licenseStatuses]}
          value={filters.status}
          onChange={(status) => set({ status: status as LicenseFilters["status"] })}
        />
        <Select
          label="Kind"
          placeholder="Any"
          clearable
          w={120}
          data={[
            { value: "commercial", label: "Commercial" },
            { value: "test", label: "Test" },
          ]}
          value={filters.kind || null}
          onChange={(kind) => set({ kind: (kind ?? "") as LicenseFilters["kind"] })}
        />
        <Button
          variant="default"
          aria-expanded={moreOpen}
          aria-controls={moreFiltersId}
          onClick={onMoreToggle}
          rightSection={moreOpen ? <IconChevronUp size={16} /> : <IconChevronDown size={16} />}
        >
          More filters
          {hiddenSet > 0 && (
            <>
              <Badge size="sm" circle ml={6}>
                {hiddenSet}
              </Badge>
              <VisuallyHidden> set</VisuallyHidden>
            </>
          )}
        </Button>
      </Group>
      <Collapse in={moreOpen} id={moreFiltersId}>
        <Group gap="sm" align="flex-end" wrap="wrap" pt="sm" role="group" aria-label="More filters">
          <CreatedByPicker
            value={filters.createdBy}
            onChange={(createdBy) => set({ createdBy })}
            w={220}
            load={moreOpen}
          />
          <Select
            label="Internal use"
            placeholder="Any"
            clearable
            w={160}
            data={[
              { value: "true", label: "Internal only" },
              { value: "false", label: "Not internal" },
            ]}
            value={filters.internal || null}
            onChange={(internal) => set({ internal: (internal ?? "") as LicenseFilters["internal"] })}
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
        </Group>
      </Collapse>
    </div>
  );
}

/** A range of days as the picker shows it; an address may carry one end only. */
function days(from: string, to: string): string {
  const day = (d: string) => formatDate(startOfDay(d));
  if (from && to) return `${day(from)} – ${day(to)}`;
  return from ? `from ${day(from)}` : `until ${day(to)}`;
}

/** "Created by: alice": what a set filter behind "More filters" says on its chip. */
export function moreFilterText(name: MoreFilter, filters: LicenseFilters): string {
  switch (name) {
    case "createdBy":
      return `Created by: ${filters.createdBy}`;
    case "internal":
      return filters.internal === "true" ? "Internal only" : "Not internal";
    case "created":
      return `Created: ${days(filters.createdFrom, filters.createdTo)}`;
    case "ends":
      return `Ends: ${days(filters.endFrom, filters.endTo)}`;
  }
}

/** A chip per set filter behind "More filters", each removing its filter. */
export function MoreFilterChips({ filters, set }: { filters: LicenseFilters; set: Set }) {
  const active = activeMoreFilters(filters);
  if (active.length === 0) return null;
  return (
    <Group gap={6} role="group" aria-label="Set in More filters">
      {active.map((name) => {
        const text = moreFilterText(name, filters);
        return (
          <Badge
            key={name}
            variant="light"
            color="gray"
            size="lg"
            tt="none"
            fw={500}
            styles={{ root: { maxWidth: "none" } }}
            rightSection={
              <CloseButton
                size="xs"
                aria-label={`Remove filter ${text}`}
                onClick={() => set(clearingOf(name))}
              />
            }
          >
            {text}
          </Badge>
        );
      })}
    </Group>
  );
}
