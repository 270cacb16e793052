import { Button, type ButtonProps, Group, Modal, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import type { ReactNode } from "react";

interface ConfirmButtonProps extends ButtonProps {
  /** The question, e.g. "Archive Acme?". */
  title: string;
  /** What will happen, in a sentence or two. */
  message: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown> | undefined;
  loading?: boolean;
  children: ReactNode;
}

/** A button that asks before it acts: for changes an operator should not make by a slip. */
export function ConfirmButton({
  title,
  message,
  confirmLabel,
  onConfirm,
  loading,
  children,
  color,
  ...button
}: ConfirmButtonProps) {
  const [opened, { open, close }] = useDisclosure(false);
  const confirm = async () => {
    try {
      await onConfirm();
      close();
    } catch {
      // The mutation reports its own error; keep the dialog open so the operator can retry or cancel.
    }
  };
  return (
    <>
      <Button color={color} {...button} onClick={open}>
        {children}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered>
        <Stack>
          <Text size="sm">{message}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button color={color} loading={loading} onClick={confirm} data-autofocus>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
