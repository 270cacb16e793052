import "mantine-datatable/styles.css";
import type { MigrationIssue } from "@licensing/contracts";
import { CursorPager, QueryError, useCursorPages } from "@licensing/ui/kit";
import { Card, Group, Select, Stack, Text, Title } from "@mantine/core";
import { DataTable } from "mantine-datatable";
import { useState } from "react";
import { useRunIssues } from "./api.ts";
import { reasonName, reasonNames } from "./run-text.ts";

/** The rows the run could not take as they are, in row order, filtered by reason. */
export function RunIssues({ runId }: { runId: string }) {
  const [reason, setReason] = useState("");
  const pages = useCursorPages(reason, 50);
  const issues = useRunIssues(runId, {
    reason: reason || undefined,
    cursor: pages.cursor,
    limit: pages.limit,
  });
  const rows = issues.data?.items ?? [];
  return (
    <Card withBorder component="section" aria-labelledby="run-issues-title">
      <Group justify="space-between" align="flex-end" mb="sm">
        <Title order={2} size="h4" id="run-issues-title">
          Issues
        </Title>
        <Select
          label="Reason"
          w={280}
          data={[
            { value: "", label: "Every reason" },
            ...Object.keys(reasonNames).map((value) => ({ value, label: reasonName(value) })),
          ]}
          value={reason}
          onChange={(value) => setReason(value ?? "")}
          allowDeselect={false}
        />
      </Group>
      {issues.error ? (
        <QueryError error={issues.error} retry={() => void issues.refetch()} />
      ) : (
        <Stack gap={0}>
          <DataTable<MigrationIssue>
            withTableBorder
            minHeight={150}
            fetching={issues.isFetching}
            records={rows}
            idAccessor={(issue) =>
              `${issue.table}/${issue.row}/${issue.column}/${issue.reason}/${issue.message}`
            }
            noRecordsText={reason ? `No issue of this reason` : "No issues"}
            columns={[
              {
                accessor: "row",
                title: "Row",
                render: (issue) => (
                  <Stack gap={0}>
                    <Text size="sm">{issue.row}</Text>
                    <Text size="xs" c="dimmed">
                      {issue.table}
                    </Text>
                  </Stack>
                ),
              },
              { accessor: "column", title: "Column", render: (issue) => issue.column ?? "—" },
              { accessor: "legacyId", title: "Legacy id", render: (issue) => issue.legacyId ?? "—" },
              {
                accessor: "reason",
                title: "Reason",
                render: (issue) => (
                  // Text rather than a badge: a badge cuts a long reason short.
                  <Text size="sm" c="red.8" fw={500}>
                    {reasonName(issue.reason)}
                  </Text>
                ),
              },
              { accessor: "message", title: "Message" },
            ]}
          />
          <CursorPager pages={pages} nextCursor={issues.data?.nextCursor} shown={rows.length} />
        </Stack>
      )}
    </Card>
  );
}
