import "@mantine/dates/styles.css";
import "mantine-datatable/styles.css";
import { type AuditedService, type AuditLogEntry, auditedServices } from "@licensing/contracts";
import { Alert, Badge, Button, Code, Group, Select, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useDebouncedValue } from "@mantine/hooks";
import { IconCalendar, IconDownload, IconFilterOff } from "@tabler/icons-react";
import { DataTable, type DataTableColumn } from "mantine-datatable";
import { AuditChanges } from "../../kit/AuditChanges.tsx";
import { CursorPager, useCursorPages } from "../../kit/CursorPager.tsx";
import { formatDateTime } from "../../kit/format.ts";
import { PageHeader } from "../../kit/PageHeader.tsx";
import { QueryError } from "../../kit/QueryError.tsx";
import { useSearchParamsUpdate } from "../../kit/search-params.ts";
import { type AuditFilters, auditCsvUrl, auditQuery, noAuditFilters, useAuditLog } from "./audit-api.ts";

const filterKeys = Object.keys(noAuditFilters) as (keyof AuditFilters)[];

/** The filters live in the address, so a filtered view can be bookmarked and shared. */
function useUrlFilters() {
  const [params, update] = useSearchParamsUpdate();
  const filters = Object.fromEntries(
    filterKeys.map((key) => [key, params.get(key) ?? ""]),
  ) as unknown as AuditFilters;
  const set = (change: Partial<AuditFilters>) =>
    update(
      (next) => {
        for (const [key, value] of Object.entries(change)) {
          if (value) next.set(key, value);
          else next.delete(key);
        }
        return next;
      },
      { replace: true },
    );
  return { filters, set };
}

const entityTypes = [
  "account",
  "account-import",
  "product",
  "license",
  "preset",
  "signing-key",
  "user",
  "module",
  "settings",
  "migration-run",
];

const columns: DataTableColumn<AuditLogEntry>[] = [
  { accessor: "at", title: "Time", width: 170, render: (e) => formatDateTime(e.at) },
  { accessor: "service", title: "Service", width: 100 },
  {
    accessor: "actorName",
    title: "Actor",
    render: (e) => (
      <Text size="sm" title={e.actorId}>
        {e.actorName}
      </Text>
    ),
  },
  { accessor: "action", title: "Action", render: (e) => <Code>{e.action}</Code> },
  {
    accessor: "entityId",
    title: "Entity",
    render: (e) => (
      <Stack gap={0}>
        <Text size="sm">{e.entityType}</Text>
        {e.entityId && (
          <Text size="xs" ff="monospace" c="dimmed" style={{ whiteSpace: "nowrap" }}>
            {e.entityId}
          </Text>
        )}
      </Stack>
    ),
  },
  { accessor: "changes", title: "Changes", width: 340, render: (e) => <AuditChanges changes={e.changes} /> },
  { accessor: "reason", title: "Reason", render: (e) => e.reason ?? "—" },
  {
    accessor: "requestId",
    title: "Request",
    render: (e) => (
      <Text size="xs" ff="monospace" title={e.requestId ?? undefined} style={{ whiteSpace: "nowrap" }}>
        {e.requestId ? `${e.requestId.slice(0, 12)}…` : "—"}
      </Text>
    ),
  },
  {
    accessor: "chainSeq",
    title: "Chain",
    width: 90,
    render: (e) =>
      e.chainSeq === null ? (
        <Badge color="yellow" variant="light" title="Written, not chained yet">
          pending
        </Badge>
      ) : (
        <Text size="xs">#{e.chainSeq}</Text>
      ),
  },
];

/**
 * Settings → Audit: every service's audit log, newest first, for the superadmin and the auditor.
 * Read-only: there is nothing here (or anywhere) that edits an entry.
 */
export function AuditPage() {
  const { filters, set } = useUrlFilters();
  // Typing narrows the list once the typist pauses, not at every key.
  const [debounced] = useDebouncedValue(filters, 300);
  const query = auditQuery(debounced);
  const pages = useCursorPages(JSON.stringify(query), 50);
  const log = useAuditLog(query, { cursor: pages.cursor, limit: pages.limit });
  const rows = log.data?.items ?? [];
  const text = (key: "actor" | "entityId" | "action", label: string, placeholder: string) => (
    <TextInput
      label={label}
      placeholder={placeholder}
      value={filters[key]}
      maxLength={key === "actor" ? 200 : 100}
      onChange={(event) => set({ [key]: event.currentTarget.value })}
    />
  );
  return (
    <Stack>
      <PageHeader
        title="Audit"
        description="Every change made in the platform, by whom, when and under which request, from every service's audit log. Entries are never edited or deleted; each service chains its entries so that tampering shows (pending: not chained yet)."
        actions={
          <Button
            component="a"
            href={auditCsvUrl(query)}
            download
            variant="default"
            leftSection={<IconDownload size={16} />}
          >
            Export CSV
          </Button>
        }
      />
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
        {text("actor", "Actor", "username or user id")}
        {text("action", "Action", "account.created or user.*")}
        <Select
          label="Entity type"
          placeholder="any"
          clearable
          searchable
          data={entityTypes}
          value={filters.entityType || null}
          onChange={(value) => set({ entityType: value ?? "" })}
        />
        {text("entityId", "Entity id", "acc_…, lic_…, usr_…")}
        <Select
          label="Service"
          placeholder="every service"
          clearable
          data={[...auditedServices]}
          value={filters.service || null}
          onChange={(value) => set({ service: (value ?? "") as AuditedService | "" })}
        />
        <DatePickerInput
          type="range"
          label="Period (UTC days)"
          placeholder="any time"
          clearable
          allowSingleDateInRange
          leftSection={<IconCalendar size={16} />}
          value={[filters.fromDay || null, filters.toDay || null]}
          onChange={([from, to]) => {
            if ((from && to) || (!from && !to)) set({ fromDay: from ?? "", toDay: to ?? "" });
          }}
        />
      </SimpleGrid>
      <Group>
        <Button
          size="compact-sm"
          variant="subtle"
          leftSection={<IconFilterOff size={14} />}
          onClick={() => set(noAuditFilters)}
        >
          Clear filters
        </Button>
      </Group>
      {log.data && log.data.unavailable.length > 0 && (
        <Alert color="yellow" title="Some services did not answer">
          The entries of {log.data.unavailable.join(", ")} are missing from this page. Try again later.
        </Alert>
      )}
      {log.error ? (
        <QueryError error={log.error} retry={() => void log.refetch()} />
      ) : (
        <>
          <DataTable<AuditLogEntry>
            withTableBorder
            // Entries hold no link or button: the table's scrolling area takes the focus itself, so
            // a keyboard can scroll it sideways (axe's scrollable-region-focusable).
            scrollAreaProps={{
              viewportProps: { tabIndex: 0, role: "region", "aria-label": "Audit entries" },
            }}
            minHeight={160}
            fetching={log.isFetching}
            records={rows}
            idAccessor="id"
            noRecordsText="No audit entry matches"
            columns={columns}
            aria-label="Audit log"
          />
          <CursorPager pages={pages} nextCursor={log.data?.nextCursor} shown={rows.length} />
        </>
      )}
    </Stack>
  );
}
