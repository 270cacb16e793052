import "mantine-datatable/styles.css";
import type { LicenseStatus, LicenseSummary } from "@licensing/contracts";
import {
  CursorPager,
  formatDate,
  formatDateTime,
  QueryError,
  useCursorPages,
  useSession,
} from "@licensing/ui/kit";
import { ActionIcon, Anchor, Badge, Checkbox, Group, Popover, Stack, Text, Tooltip } from "@mantine/core";
import { useLocalStorage } from "@mantine/hooks";
import { IconColumns } from "@tabler/icons-react";
import { DataTable, type DataTableColumn, type DataTableSortStatus } from "mantine-datatable";
import { Link, useNavigate } from "react-router";
import { useProductNames } from "../products/api.ts";
import { useLicenses } from "./api.ts";
import { filtersToQuery, type LicenseFilters, type LicenseSort } from "./filters.ts";

const statusColors: Record<LicenseStatus, string> = {
  active: "teal",
  expiring: "orange",
  expired: "gray",
  suspended: "yellow",
  revoked: "red",
};

// A badge clips its label (overflow hidden), so its narrowest is nothing, and a squeezed table gave
// its cell less than the text ("ACTI…", at 1366 px): badges keep their text's width, and the columns
// of free text wrap instead.
const uncut = { root: { maxWidth: "none", minWidth: "max-content" } };

export function StatusBadge({ status }: { status: LicenseStatus }) {
  return (
    <Badge color={statusColors[status]} variant="light" size="sm" styles={uncut}>
      {status}
    </Badge>
  );
}

export function KindBadge({ kind, internal }: { kind: LicenseSummary["kind"]; internal: boolean }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Badge color={kind === "commercial" ? "indigo" : "grape"} variant="light" size="sm" styles={uncut}>
        {kind}
      </Badge>
      {internal && (
        <Badge color="cyan" variant="outline" size="sm" styles={uncut}>
          internal
        </Badge>
      )}
    </Group>
  );
}

/** The products by name (the code on hover), or by code where the catalog's name is not known. */
function ProductNames({ codes, names }: { codes: string[]; names: ReadonlyMap<string, string> }) {
  return codes.map((code, i) => (
    <span key={code}>
      {i > 0 && ", "}
      {names.has(code) ? <span title={code}>{names.get(code)}</span> : code}
    </span>
  ));
}

/** -1 is "unlimited" everywhere in the model. */
export const limitText = (n: number) => (n === -1 ? "Unlimited" : n.toLocaleString());

const sortable: Record<string, LicenseSort> = {
  accountName: "accountName",
  startDate: "startDate",
  endDate: "endDate",
  createdAt: "createdAt",
};

type Column = DataTableColumn<LicenseSummary> & { accessor: string; title: string };

const columns: Column[] = [
  {
    accessor: "keyHint",
    title: "Key",
    render: (l) => (
      <Anchor
        component={Link}
        to={`/crm/licenses/${l.id}`}
        ff="monospace"
        size="sm"
        onClick={(event) => event.stopPropagation()}
      >
        …-{l.keyHint}
      </Anchor>
    ),
  },
  { accessor: "accountName", title: "Account" },
  // Badges, dates and times never wrap nor shrink: a cell takes its content's width ("COMME…").
  {
    accessor: "kind",
    title: "Kind",
    noWrap: true,
    render: (l) => <KindBadge kind={l.kind} internal={l.internal} />,
  },
  // Named by LicenseTable with the catalog's names, when it has them.
  { accessor: "products", title: "Products", render: (l) => l.products.join(", ") },
  { accessor: "status", title: "Status", noWrap: true, render: (l) => <StatusBadge status={l.status} /> },
  { accessor: "startDate", title: "Start", noWrap: true, render: (l) => formatDate(l.startDate) },
  {
    accessor: "endDate",
    title: "End",
    noWrap: true,
    render: (l) => (l.endDate ? formatDate(l.endDate) : "No end"),
  },
  {
    accessor: "availableActivations",
    title: "Activations",
    render: (l) => limitText(l.availableActivations),
  },
  { accessor: "seats", title: "Seats", render: (l) => limitText(l.seats) },
  { accessor: "notifyDays", title: "Notice days", render: (l) => l.notifyDays ?? "default" },
  { accessor: "serial", title: "Version" },
  { accessor: "createdByName", title: "Created by" },
  { accessor: "createdAt", title: "Created", noWrap: true, render: (l) => formatDateTime(l.createdAt) },
  { accessor: "updatedAt", title: "Updated", noWrap: true, render: (l) => formatDateTime(l.updatedAt) },
];

const defaultHidden = ["availableActivations", "seats", "notifyDays", "serial", "updatedAt"];

/** The columns the operator chose to hide, kept per user in this browser. */
function useHiddenColumns() {
  const { user } = useSession();
  return useLocalStorage<string[]>({
    key: `licensing:licenses-columns:${user.id}`,
    defaultValue: defaultHidden,
    getInitialValueInEffect: false,
  });
}

export function ColumnChooser() {
  const [hidden, setHidden] = useHiddenColumns();
  return (
    <Popover position="bottom-end" shadow="md" withArrow>
      <Popover.Target>
        <Tooltip label="Columns">
          <ActionIcon variant="default" size="lg" aria-label="Choose columns">
            <IconColumns size={18} />
          </ActionIcon>
        </Tooltip>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap={6} role="group" aria-label="Columns shown">
          <Text size="xs" c="dimmed">
            Columns shown
          </Text>
          {columns.map((column) => (
            <Checkbox
              key={column.accessor}
              size="xs"
              label={column.title}
              disabled={column.accessor === "keyHint"}
              checked={!hidden.includes(column.accessor)}
              onChange={(event) =>
                setHidden(
                  event.currentTarget.checked
                    ? hidden.filter((h) => h !== column.accessor)
                    : [...hidden, column.accessor],
                )
              }
            />
          ))}
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}

/**
 * Licenses matching `filters`, a page at a time from the server (keyset cursor, no totals), sorted
 * by the server on the columns it can sort by.
 */
export function LicenseTable({
  filters,
  onSort,
  emptyText = "No license matches these filters",
  selection,
}: {
  filters: LicenseFilters;
  onSort: (sort: LicenseSort, order: "asc" | "desc") => void;
  emptyText?: string;
  /** Rows with checkboxes, for bulk actions; the selection outlives a page change. */
  selection?: { selected: LicenseSummary[]; onChange: (licenses: LicenseSummary[]) => void };
}) {
  const navigate = useNavigate();
  const [hidden] = useHiddenColumns();
  const productNames = useProductNames();
  const query = filtersToQuery(filters);
  const pages = useCursorPages(JSON.stringify(query));
  const licenses = useLicenses({ ...query, cursor: pages.cursor, limit: pages.limit });
  if (licenses.error) return <QueryError error={licenses.error} retry={() => void licenses.refetch()} />;
  const rows = licenses.data?.items ?? [];
  const sortStatus: DataTableSortStatus<LicenseSummary> = {
    columnAccessor: filters.sort,
    direction: filters.order,
  };
  return (
    <>
      <DataTable<LicenseSummary>
        withTableBorder
        highlightOnHover
        minHeight={200}
        fetching={licenses.isFetching}
        records={rows}
        noRecordsText={emptyText}
        {...(selection && {
          selectedRecords: selection.selected,
          onSelectedRecordsChange: selection.onChange,
          allRecordsSelectionCheckboxProps: { "aria-label": "Select every license on this page" },
          getRecordSelectionCheckboxProps: (l: LicenseSummary) => ({
            "aria-label": `Select license …-${l.keyHint}`,
          }),
        })}
        onRowClick={({ record }) => navigate(`/crm/licenses/${record.id}`)}
        sortStatus={sortStatus}
        onSortStatusChange={(status) => {
          const sort = sortable[status.columnAccessor as string];
          if (sort) onSort(sort, status.direction);
        }}
        columns={columns.map((column) => ({
          ...column,
          ...(column.accessor === "products" && {
            render: (l: LicenseSummary) => <ProductNames codes={l.products} names={productNames} />,
          }),
          sortable: column.accessor in sortable,
          hidden: hidden.includes(column.accessor) && column.accessor !== "keyHint",
        }))}
      />
      <CursorPager pages={pages} nextCursor={licenses.data?.nextCursor} shown={rows.length} />
    </>
  );
}
