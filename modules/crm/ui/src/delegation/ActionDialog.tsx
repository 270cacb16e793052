import { ApiError, QueryError, userMessage } from "@licensing/ui/kit";
import { Button, List, Modal, Stack } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import type { ReactNode } from "react";

// What the delegation's dialogs (answer, import, revoke) share: the button that opens each, and how
// a refusal reads in them.

/** A refusal in words, with the request id, and the server's issues when it names some. */
export function Refusal({ error, title }: { error: unknown; title: string }) {
  return (
    <Stack gap="xs">
      <QueryError error={error} title={title} />
      {error instanceof ApiError && error.issues.length > 0 && (
        <List size="sm" aria-label="What is wrong">
          {error.issues.slice(0, 10).map((issue) => (
            <List.Item key={`${issue.path}:${issue.message}`}>
              {issue.path ? `${issue.path}: ` : ""}
              {userMessage(issue)}
            </List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}

/** A button and its dialog; the dialog's content starts afresh at each opening. */
export function ActionDialog({
  label,
  title,
  icon,
  color,
  onOpen,
  children,
}: {
  label: string;
  title: string;
  icon: ReactNode;
  color?: string;
  onOpen: () => void;
  children: (close: () => void) => ReactNode;
}) {
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button
        variant={color ? "light" : "default"}
        color={color}
        leftSection={icon}
        onClick={() => {
          onOpen();
          open();
        }}
      >
        {label}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered size="lg">
        {children(close)}
      </Modal>
    </>
  );
}
