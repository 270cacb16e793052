import type { MigrationRun } from "@licensing/contracts";
import { QueryError } from "@licensing/ui/kit";
import { Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconPlayerStop } from "@tabler/icons-react";
import { useCancelRun } from "./api.ts";
import { runTitle, sourceNames } from "./run-text.ts";

/**
 * Cancels a running run after a confirmation: it stops after its batch in flight and ends
 * interrupted (an apply resumes when started again). Once asked, the button waits for the run to end.
 */
export function CancelRunButton({ run }: { run: MigrationRun }) {
  const [opened, { open, close }] = useDisclosure(false);
  const cancelRun = useCancelRun(run.id);
  const dismiss = () => {
    cancelRun.reset();
    close();
  };
  const error = cancelRun.error;
  return (
    <>
      <Button
        color="red"
        variant="light"
        leftSection={<IconPlayerStop size={16} />}
        onClick={open}
        disabled={cancelRun.isSuccess}
      >
        {cancelRun.isSuccess ? "Cancelling…" : "Cancel run"}
      </Button>
      <Modal opened={opened} onClose={dismiss} title={`Cancel the ${runTitle(run).toLowerCase()}?`} centered>
        <Stack>
          <Text size="sm">
            {run.mode === "apply"
              ? `The run stops after the batch it is importing and ends interrupted. What it imported stays; applying ${sourceNames[run.source]} again resumes where it stopped.`
              : "The run stops after the batch in flight and ends interrupted, its report incomplete."}
          </Text>
          {error && <QueryError error={error} title="Not cancelled" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={dismiss}>
              Keep running
            </Button>
            <Button
              color="red"
              loading={cancelRun.isPending}
              onClick={() => cancelRun.mutate(undefined, { onSuccess: close })}
              data-autofocus
            >
              Cancel run
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
