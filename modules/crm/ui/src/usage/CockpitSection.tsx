import { CursorPager, formatDate, QueryError, useCursorPages } from "@licensing/ui/kit";
import { Anchor, Badge, Button, Card, Group, Stack, Text, Title } from "@mantine/core";
import { IconDownload } from "@tabler/icons-react";
import { DataTable, type DataTableColumn } from "mantine-datatable";
import { Link } from "react-router";
import { certificateState, certificateStates } from "../delegation/text.ts";
import { AccountCell } from "./AccountCell.tsx";
import { type CockpitQuery, type NamedCockpitRow, usageCsvUrl, useCockpitReport } from "./api.ts";

// The usage report's cockpit section (issue 19): each cockpit license holding a delegation
// certificate, what its fleet reported over the report's range, and what its receipts showed wrong.
// Shown only when the selection holds a cockpit license: most reports have none.

function Certificate({ row }: { row: NamedCockpitRow }) {
  const state =
    certificateStates[
      certificateState(
        { expiresAt: row.certificateExpiresAt, revokedAt: row.certificateRevokedAt },
        Date.now(),
      )
    ];
  return (
    <Group gap={6} wrap="nowrap">
      <Badge color={state.color} variant="light">
        {state.label}
      </Badge>
      <Text size="sm">{row.certificateRevokedAt ? "" : `until ${formatDate(row.certificateExpiresAt)}`}</Text>
    </Group>
  );
}

const count = (value: number) => value.toLocaleString();

export function CockpitSection({
  query,
  productName,
}: {
  query: CockpitQuery;
  productName: (code: string) => string;
}) {
  const pages = useCursorPages(JSON.stringify(query), 25);
  const report = useCockpitReport({ ...query, cursor: pages.cursor, limit: pages.limit });
  const rows = report.data?.items ?? [];
  if (report.error) return <QueryError error={report.error} retry={() => void report.refetch()} />;
  if (rows.length === 0 && pages.page === 1) return null;
  const columns: DataTableColumn<NamedCockpitRow>[] = [
    {
      accessor: "licenseId",
      title: "License",
      render: (r) => (
        <Anchor component={Link} to={`/crm/licenses/${r.licenseId}?tab=delegation`} size="sm" ff="monospace">
          …{r.licenseId.slice(-8)}
        </Anchor>
      ),
    },
    {
      accessor: "accountName",
      title: "Account",
      render: (r) => <AccountCell row={r} />,
    },
    { accessor: "product", title: "Product", render: (r) => productName(r.product) },
    { accessor: "certificateExpiresAt", title: "Certificate", render: (r) => <Certificate row={r} /> },
    { accessor: "seatsInUse", title: "Seats in use", textAlign: "right", render: (r) => count(r.seatsInUse) },
    { accessor: "collectors", title: "Collectors", textAlign: "right", render: (r) => count(r.collectors) },
    { accessor: "receipts", title: "Receipts", textAlign: "right", render: (r) => count(r.receipts) },
    { accessor: "units", title: "Units", textAlign: "right", render: (r) => count(r.units) },
    {
      accessor: "anomalies",
      title: "Anomalies",
      textAlign: "right",
      render: (r) =>
        r.anomalies > 0 ? (
          <Badge color="red" variant="light">
            {count(r.anomalies)}
          </Badge>
        ) : (
          "0"
        ),
    },
  ];
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Group justify="space-between">
          <div>
            <Title order={2} size="h5">
              Cockpits (fleet delegation)
            </Title>
            <Text size="sm" c="dimmed">
              Seats in use now, as last reported; machines, receipts and units received and anomalies detected
              in the period.
            </Text>
          </div>
          <Button
            component="a"
            href={usageCsvUrl(query, "cockpits")}
            download
            variant="default"
            size="xs"
            leftSection={<IconDownload size={14} />}
          >
            Export cockpits CSV
          </Button>
        </Group>
        <DataTable<NamedCockpitRow>
          withTableBorder
          fetching={report.isFetching}
          records={rows}
          idAccessor="licenseId"
          noRecordsText="No cockpit license on this page"
          columns={columns}
        />
        {(report.data?.nextCursor || pages.page > 1) && (
          <CursorPager pages={pages} nextCursor={report.data?.nextCursor} shown={rows.length} />
        )}
      </Stack>
    </Card>
  );
}
