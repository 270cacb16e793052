import { Alert, Button, Code, Group, Text } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { ApiError } from "./api.ts";
import { errorMessage } from "./notify.tsx";

/**
 * A load of one thing by the id in the address refused as `not_found`, or as `validation_failed` (the
 * id itself is malformed: the id is all such a request carries): to the operator, both are "no such".
 */
export const isMissing = (error: unknown) =>
  error instanceof ApiError && (error.code === "not_found" || error.code === "validation_failed");

/**
 * A failed load (or, with `title`, a refused action) shown in place of its content, with the request
 * id and a way to try again. With `missing` (see `missing` in messages.ts), a page opened at an id
 * that does not exist says so.
 */
export function QueryError({
  error,
  retry,
  missing,
  title = "Could not load this",
}: {
  error: unknown;
  retry?: () => void;
  missing?: string;
  title?: string;
}) {
  if (missing && isMissing(error))
    return (
      <Alert color="blue" variant="light" icon={<IconAlertTriangle />} title={missing} role="alert">
        <Text size="sm">Check the address, or find it from the list.</Text>
      </Alert>
    );
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  return (
    <Alert color="red" variant="light" icon={<IconAlertTriangle />} title={title} role="alert">
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
