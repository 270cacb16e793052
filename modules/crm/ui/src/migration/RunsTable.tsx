import "mantine-datatable/styles.css";
import { type LegacySource, legacySources, type MigrationRun } from "@licensing/contracts";
import { CursorPager, formatDateTime, QueryError, useCursorPages } from "@licensing/ui/kit";
import { Anchor, Badge, Card, Group, Select, Stack, Text, Title } from "@mantine/core";
import { DataTable } from "mantine-datatable";
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { useRuns } from "./api.ts";
import {
  countsSummary,
  modeNames,
  progressPercent,
  sourceNames,
  stateColors,
  stateNames,
} from "./run-text.ts";

export const runLink = (run: Pick<MigrationRun, "id">) => `/settings/migration/runs/${run.id}`;

export function StateBadge({ run }: { run: MigrationRun }) {
  const percent = run.state === "running" ? progressPercent(run) : null;
  return (
    <Badge color={stateColors[run.state]} variant="light" size="sm">
      {stateNames[run.state]}
      {percent !== null ? ` ${Math.floor(percent)}%` : ""}
    </Badge>
  );
}

/** Every run, newest first, a page at a time; a click opens its report. */
export function RunsTable() {
  const navigate = useNavigate();
  const [source, setSource] = useState<LegacySource | "">("");
  const pages = useCursorPages(source, 25);
  const runs = useRuns({ source: source || undefined, cursor: pages.cursor, limit: pages.limit });
  const rows = runs.data?.items ?? [];
  return (
    <Card withBorder component="section" aria-labelledby="migration-runs-title">
      <Group justify="space-between" align="flex-end" mb="sm">
        <Title order={2} size="h4" id="migration-runs-title">
          Runs
        </Title>
        <Select
          label="Source"
          w={260}
          data={[
            { value: "", label: "All sources" },
            ...legacySources.map((value) => ({ value, label: sourceNames[value] })),
          ]}
          value={source}
          onChange={(value) => setSource((value ?? "") as LegacySource | "")}
          allowDeselect={false}
        />
      </Group>
      {runs.error ? (
        <QueryError error={runs.error} retry={() => void runs.refetch()} />
      ) : (
        <Stack gap={0}>
          <DataTable<MigrationRun>
            withTableBorder
            highlightOnHover
            minHeight={150}
            fetching={runs.isFetching && !runs.isRefetching}
            records={rows}
            noRecordsText="No runs yet: start with a dry run"
            onRowClick={({ record }) => navigate(runLink(record))}
            columns={[
              {
                accessor: "startedAt",
                title: "Started",
                render: (run) => (
                  <Anchor
                    component={Link}
                    to={runLink(run)}
                    size="sm"
                    fw={500}
                    onClick={(event) => event.stopPropagation()}
                  >
                    {formatDateTime(run.startedAt)}
                  </Anchor>
                ),
              },
              { accessor: "startedBy", title: "By" },
              { accessor: "source", title: "Source", render: (run) => sourceNames[run.source] },
              {
                accessor: "mode",
                title: "Mode",
                render: (run) => (
                  <Badge variant="outline" color={run.mode === "apply" ? "orange" : "gray"} size="sm">
                    {modeNames[run.mode]}
                  </Badge>
                ),
              },
              { accessor: "state", title: "State", render: (run) => <StateBadge run={run} /> },
              {
                accessor: "counts",
                title: "Counts",
                render: (run) => <Text size="sm">{countsSummary(run.counts, run.mode)}</Text>,
              },
            ]}
          />
          <CursorPager pages={pages} nextCursor={runs.data?.nextCursor} shown={rows.length} />
        </Stack>
      )}
    </Card>
  );
}
