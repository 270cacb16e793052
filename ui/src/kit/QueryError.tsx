import { Alert, Button, Code, Group, Text } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { ApiError } from "./api.ts";
import { errorMessage } from "./notify.tsx";

/** A failed load shown in place of its content, with the request id and a way to try again. */
export function QueryError({ error, retry }: { error: unknown; retry?: () => void }) {
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  return (
    <Alert color="red" variant="light" icon={<IconAlertTriangle />} title="Could not load this" role="alert">
      <Text size="sm">{errorMessage(error)}</Text>
      {requestId && (
        <Text size="xs" c="dimmed" mt={4}>
          Request id <Code>{requestId}</Code>
        </Text>
      )}
      {retry && (
        <Group mt="sm">
          <Button size="xs" variant="light" color="red" onClick={retry}>
            Try again
          </Button>
        </Group>
      )}
    </Alert>
  );
}
