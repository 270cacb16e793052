import "@mantine/dates/styles.css";
import "mantine-datatable/styles.css";
import type { UsageBucket } from "@licensing/contracts";
import {
  CursorPager,
  PageHeader,
  QueryError,
  useCursorPages,
  useSearchParamsUpdate,
} from "@licensing/ui/kit";
import { Button, Card, Group, Select, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { IconCalendar, IconDownload } from "@tabler/icons-react";
import { DataTable, type DataTableColumn } from "mantine-datatable";
import { useEffect, useState } from "react";
import { AccountPicker } from "../licenses/AccountPicker.tsx";
import { useProducts } from "../products/api.ts";
import { ProductFilter } from "../products/fields.tsx";
import { AccountCell } from "./AccountCell.tsx";
import { type NamedUsageRow, usageCsvUrl, useUsageReport } from "./api.ts";
import { CockpitSection } from "./CockpitSection.tsx";
import {
  dayLabel,
  lastDays,
  month,
  periodLabel,
  periodRange,
  type ReportBucket,
  type ReportFilters,
  reportFiltersFromParams,
  reportFiltersToParams,
  reportQuery,
} from "./report-filters.ts";
import { UsageChart } from "./UsageChart.tsx";

const ranges: { label: string; range: () => Pick<ReportFilters, "from" | "to"> }[] = [
  { label: "7 days", range: () => lastDays(7) },
  { label: "30 days", range: () => lastDays(30) },
  { label: "90 days", range: () => lastDays(90) },
  { label: "12 months", range: () => lastDays(365) },
  { label: "This month", range: () => month(0) },
  { label: "Last month", range: () => month(-1) },
];

function useUrlFilters() {
  const [params, update] = useSearchParamsUpdate();
  const filters = reportFiltersFromParams(params);
  const set = (change: Partial<ReportFilters>) =>
    update((latest) => reportFiltersToParams({ ...reportFiltersFromParams(latest), ...change }), {
      replace: true,
    });
  return { filters, set };
}

/** The range as two UTC days; the report changes once both ends are picked. */
function PeriodPicker({
  from,
  to,
  onChange,
}: {
  from: string;
  to: string;
  onChange: (from: string, to: string) => void;
}) {
  const [value, setValue] = useState<[string | null, string | null]>([from, to]);
  useEffect(() => setValue([from, to]), [from, to]);
  return (
    <DatePickerInput
      type="range"
      label="Period (UTC days)"
      leftSection={<IconCalendar size={16} />}
      allowSingleDateInRange
      value={value}
      onChange={(next) => {
        setValue(next);
        if (next[0] && next[1]) onChange(next[0], next[1]);
      }}
    />
  );
}

function Total({ label, value }: { label: string; value: number | undefined }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fz={26} fw={700} aria-label={`${label}: ${value ?? "…"}`}>
        {value === undefined ? "…" : value.toLocaleString()}
      </Text>
    </Card>
  );
}

export function UsageReportPage() {
  const { filters, set } = useUrlFilters();
  const products = useProducts();
  const productName = new Map((products.data ?? []).map((p) => [p.code, p.name]));
  const query = reportQuery(filters);
  const pages = useCursorPages(JSON.stringify(query));
  const report = useUsageReport({ ...query, cursor: pages.cursor, limit: pages.limit });
  const bucket = query.bucket;
  const { bucket: _, ...cockpitQuery } = query;
  const rows = report.data?.items ?? [];
  const narrow = (period: string) => {
    if (!bucket) return;
    const range = periodRange(period, bucket);
    // Clipped to the current range (days as YYYY-MM-DD sort as text).
    set({
      from: [range.from, filters.from].sort()[1]!,
      to: [range.to, filters.to].sort()[0]!,
      bucket: "day",
    });
  };
  const columns: DataTableColumn<NamedUsageRow>[] = [
    ...(bucket
      ? [
          {
            accessor: "period",
            title: "Period",
            render: (r: NamedUsageRow) => (r.period ? periodLabel(r.period, bucket as UsageBucket) : "—"),
          },
        ]
      : []),
    {
      accessor: "accountName",
      title: "Account",
      render: (r) => <AccountCell row={r} />,
    },
    { accessor: "product", title: "Product", render: (r) => productName.get(r.product) ?? r.product },
    {
      accessor: "unitsConsumed",
      title: "Units consumed",
      textAlign: "right",
      render: (r) => r.unitsConsumed.toLocaleString(),
    },
    {
      accessor: "executions",
      title: "Executions",
      textAlign: "right",
      render: (r) => r.executions.toLocaleString(),
    },
    {
      accessor: "activeMachines",
      title: "Active machines",
      textAlign: "right",
      render: (r) => r.activeMachines.toLocaleString(),
    },
  ];
  return (
    <Stack>
      <PageHeader
        title="Usage report"
        description={`Units consumed and active machines per account and product, ${dayLabel(filters.from)} to ${dayLabel(filters.to)} (UTC days, both included).`}
        actions={
          <Button
            component="a"
            href={usageCsvUrl(query)}
            download
            variant="default"
            leftSection={<IconDownload size={16} />}
          >
            Export CSV
          </Button>
        }
      />
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
        <PeriodPicker from={filters.from} to={filters.to} onChange={(from, to) => set({ from, to })} />
        <AccountPicker value={filters.accountId} onChange={(accountId) => set({ accountId })} />
        <ProductFilter value={filters.product} onChange={(product) => set({ product })} />
        <Select
          label="Group by"
          allowDeselect={false}
          value={filters.bucket}
          onChange={(value) => set({ bucket: (value ?? "day") as ReportBucket })}
          data={[
            { value: "day", label: "Day" },
            { value: "week", label: "Week (from Monday)" },
            { value: "month", label: "Month" },
            { value: "none", label: "Nothing: the whole period" },
          ]}
        />
      </SimpleGrid>
      <Group gap="xs">
        {ranges.map(({ label, range }) => (
          <Button key={label} size="compact-xs" variant="subtle" onClick={() => set(range())}>
            {label}
          </Button>
        ))}
      </Group>
      {report.data?.detailFrom && (
        <Text size="sm" c="dimmed">
          Each report is kept from {dayLabel(report.data.detailFrom.slice(0, 10))} (UTC); before that, usage
          is counted per UTC day, so a range there starts and ends on a whole day.
        </Text>
      )}
      {report.error ? (
        <QueryError error={report.error} retry={() => void report.refetch()} />
      ) : (
        <>
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
            <Total label="Units consumed" value={report.data?.totals.unitsConsumed} />
            <Total label="Executions" value={report.data?.totals.executions} />
            <Total label="Active machines" value={report.data?.totals.activeMachines} />
          </SimpleGrid>
          {bucket && report.data && (
            <Card withBorder>
              <Title order={2} size="h5" mb="sm">
                Per {bucket}, every account and product selected
              </Title>
              <UsageChart periods={report.data.periods} bucket={bucket} onPeriod={narrow} />
            </Card>
          )}
          <DataTable<NamedUsageRow>
            withTableBorder
            minHeight={160}
            fetching={report.isFetching}
            records={rows}
            idAccessor={(r) => `${r.period ?? ""}|${r.accountId}|${r.product}`}
            noRecordsText="No usage in this period"
            columns={columns}
          />
          <CursorPager pages={pages} nextCursor={report.data?.nextCursor} shown={rows.length} />
          <CockpitSection query={cockpitQuery} productName={(code) => productName.get(code) ?? code} />
        </>
      )}
    </Stack>
  );
}
