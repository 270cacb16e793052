import type { DigestRun, NotifierState } from "@licensing/contracts";
import { Alert, Badge, Card, Group, SimpleGrid, Table, Text, Title } from "@mantine/core";
import { formatDateTime } from "../../../kit/format.ts";

const statusColor: Record<DigestRun["status"], string> = {
  sent: "green",
  nothing_to_report: "gray",
  sending: "blue",
  retrying: "orange",
  missed: "red",
};

const statusLabel: Record<DigestRun["status"], string> = {
  sent: "Sent",
  nothing_to_report: "Nothing to report",
  sending: "Sending",
  retrying: "Retrying",
  missed: "Missed",
};

function Figure({ label, value, hint }: { label: string; value: string; hint?: string | null | undefined }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={500}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </div>
  );
}

/**
 * The schedule in one badge: "Daily at 08:00 (Europe/Paris)" only when a digest can go out. With
 * no recipients (`recipients` 0, from the settings) it says nothing is sent until some are added,
 * rather than promise a daily mail that never comes.
 */
function ScheduleBadge({ state, recipients }: { state: NotifierState; recipients?: number | undefined }) {
  if (!state.enabled)
    return (
      <Badge color="gray" variant="light">
        Off
      </Badge>
    );
  if (recipients === 0)
    return (
      <Badge color="orange" variant="light">
        Nothing is sent until recipients are added
      </Badge>
    );
  return (
    <Badge color="green" variant="light">
      Daily at {state.dailyTime} ({state.timeZone})
    </Badge>
  );
}

/** Where the schedule stands: next run, last sent, last failure, and the last days. */
export function StatePanel({ state, recipients }: { state: NotifierState; recipients?: number | undefined }) {
  return (
    <Card withBorder aria-label="Schedule state" component="section">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          Schedule
        </Title>
        <ScheduleBadge state={state} recipients={recipients} />
      </Group>
      {state.waiting && (
        <Alert color="orange" variant="light" mb="sm">
          {state.waiting}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
        <Figure label="Next run" value={state.nextRunAt ? formatDateTime(state.nextRunAt) : "—"} />
        <Figure
          label="Last sent"
          value={state.lastSent ? `${state.lastSent.day}, ${formatDateTime(state.lastSent.sentAt)}` : "Never"}
          hint={
            state.lastSent
              ? `${state.lastSent.rows} licenses to ${state.lastSent.recipients} recipients, attempt ${state.lastSent.attempts}`
              : null
          }
        />
        <Figure
          label="Last failure"
          value={
            state.lastFailure ? `${state.lastFailure.day}, ${formatDateTime(state.lastFailure.at)}` : "None"
          }
          hint={state.lastFailure?.error}
        />
      </SimpleGrid>
      {state.recent.length > 0 && (
        <Table mt="md" striped withTableBorder fz="sm" aria-label="Recent digests">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Day</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Licenses</Table.Th>
              <Table.Th>Attempts</Table.Th>
              <Table.Th>Sent</Table.Th>
              <Table.Th>Next attempt / last error</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {state.recent.map((run) => (
              <Table.Tr key={run.day}>
                <Table.Td>{run.day}</Table.Td>
                <Table.Td>
                  <Badge color={statusColor[run.status]} variant="light">
                    {statusLabel[run.status]}
                  </Badge>
                </Table.Td>
                <Table.Td>{run.rows ?? "—"}</Table.Td>
                <Table.Td>{run.attempts}</Table.Td>
                <Table.Td>{formatDateTime(run.sentAt)}</Table.Td>
                <Table.Td>
                  {run.nextAttemptAt && (
                    <Text size="xs">Next attempt {formatDateTime(run.nextAttemptAt)}</Text>
                  )}
                  {run.lastError && (
                    <Text size="xs" c="red">
                      {run.lastError}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
