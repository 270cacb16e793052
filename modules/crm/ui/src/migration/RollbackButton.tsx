import type { MigrationRun } from "@licensing/contracts";
import { QueryError } from "@licensing/ui/kit";
import { Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconArrowBackUp } from "@tabler/icons-react";
import type { useRollback } from "./api.ts";
import { runTitle } from "./run-text.ts";

/** Rolls back a finished apply, after a confirmation that shows a refusal (409: a license changed). */
export function RollbackButton({
  run,
  rollback,
  onRolledBack,
}: {
  run: MigrationRun;
  rollback: ReturnType<typeof useRollback>;
  onRolledBack: (run: MigrationRun) => void;
}) {
  const [opened, { open, close }] = useDisclosure(false);
  const cancel = () => {
    rollback.reset();
    close();
  };
  const error = rollback.error;
  return (
    <>
      <Button color="red" variant="light" leftSection={<IconArrowBackUp size={16} />} onClick={open}>
        Roll back
      </Button>
      <Modal
        opened={opened}
        onClose={cancel}
        title={`Roll back the ${runTitle(run).toLowerCase()}?`}
        centered
      >
        <Stack>
          <Text size="sm">
            The licenses this run created are removed. It is refused if any of them has changed since
            (renewed, suspended, used…): then nothing is removed. The accounts it created stay.
          </Text>
          {error && <QueryError error={error} title="Not rolled back" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={cancel}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={rollback.isPending}
              onClick={() =>
                rollback.mutate(undefined, {
                  onSuccess: (rolledBack) => {
                    close();
                    onRolledBack(rolledBack);
                  },
                })
              }
              data-autofocus
            >
              Roll back
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
