import { Stack, Text } from "@mantine/core";

/** What an audit entry changed, one `field: before → after` line each (∅: no value). */
export function AuditChanges({ changes }: { changes: Record<string, [unknown, unknown]> }) {
  const entries = Object.entries(changes);
  if (entries.length === 0) return <Text c="dimmed">—</Text>;
  const show = (value: unknown) => (value === null || value === undefined ? "∅" : JSON.stringify(value));
  return (
    <Stack gap={0}>
      {entries.map(([field, [before, after]]) => (
        <Text key={field} size="xs" ff="monospace" style={{ wordBreak: "break-word" }}>
          {field}: {show(before)} → {show(after)}
        </Text>
      ))}
    </Stack>
  );
}
