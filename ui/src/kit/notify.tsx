import { Code, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { ApiError } from "./api.ts";

/** What an operator should read for an error: the gateway's message, else something plain. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong.";
}

const titles: Partial<Record<ApiError["code"], string>> = {
  forbidden: "Not allowed",
  module_inactive: "The CRM module is not active",
  conflict: "Changed meanwhile",
  validation_failed: "Check the form",
  rate_limited: "Too many attempts",
  network_error: "No connection",
  service_unavailable: "Service unavailable",
};

/**
 * Shows an error as a notification with its message and the request id, which support needs to
 * find the request in the logs.
 */
export function notifyError(error: unknown, title?: string): void {
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  notifications.show({
    color: "red",
    title: title ?? (error instanceof ApiError ? titles[error.code] : undefined) ?? "Error",
    autoClose: 10_000,
    message: (
      <Stack gap={4}>
        <Text size="sm">{errorMessage(error)}</Text>
        {requestId && (
          <Text size="xs" c="dimmed">
            Request id <Code>{requestId}</Code>
          </Text>
        )}
      </Stack>
    ),
  });
}

export function notifySuccess(message: string): void {
  notifications.show({ color: "green", message, autoClose: 4_000 });
}
