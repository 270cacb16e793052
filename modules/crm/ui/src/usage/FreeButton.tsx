import { DialogActions, notifySuccess, ReasonField } from "@licensing/ui/kit";
import { Button, Modal, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import type { UseMutationResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useState } from "react";

/**
 * A button that frees a machine's activation or a collector's seat after a confirmation saying what
 * will happen, with an optional reason the distribution service records beside the operator.
 */
export function FreeButton({
  label,
  title,
  message,
  done,
  target,
  mutation,
  ariaLabel,
}: {
  label: string;
  title: string;
  message: ReactNode;
  done: string;
  target: string;
  mutation: UseMutationResult<unknown, Error, { target: string; reason: string }>;
  ariaLabel: string;
}) {
  const [opened, { open, close }] = useDisclosure(false);
  const [reason, setReason] = useState("");
  const confirm = () =>
    mutation.mutate(
      { target, reason: reason.trim() },
      {
        onSuccess: () => {
          notifySuccess(done);
          close();
        },
      },
    );
  return (
    <>
      <Button
        size="compact-xs"
        variant="light"
        color="red"
        aria-label={ariaLabel}
        onClick={() => {
          setReason("");
          open();
        }}
      >
        {label}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered>
        <Stack>
          <Text size="sm">{message}</Text>
          <ReasonField
            kept="recorded with your name"
            maxLength={1_000}
            data-autofocus
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
          />
          <DialogActions
            onCancel={close}
            confirmLabel={label}
            color="red"
            loading={mutation.isPending}
            onConfirm={confirm}
          />
        </Stack>
      </Modal>
    </>
  );
}
