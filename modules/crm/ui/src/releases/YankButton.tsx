import type { ProductRelease } from "@licensing/contracts";
import { applyServerErrors, DialogActions, notifySuccess, ReasonField } from "@licensing/ui/kit";
import { Button, Modal, Stack, Text } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { useYankRelease } from "./api.ts";

/** Withdraws a published release for good; the reason is required (and kept in the audit log). */
export function YankButton({ release, channelName }: { release: ProductRelease; channelName: string }) {
  const [opened, { open, close }] = useDisclosure(false);
  const yank = useYankRelease(release.id);
  const form = useForm({
    initialValues: { reason: "" },
    validate: {
      reason: (value) =>
        value.trim().length >= 3 ? null : "Say why the release is withdrawn (at least 3 characters)",
    },
  });
  const submit = form.onSubmit(async ({ reason }) => {
    try {
      await yank.mutateAsync(reason.trim());
      notifySuccess(`Release ${release.version} yanked`);
      close();
    } catch (error) {
      applyServerErrors(form, error);
    }
  });
  return (
    <>
      <Button color="red" variant="light" onClick={open}>
        Yank
      </Button>
      <Modal opened={opened} onClose={close} title={`Yank release ${release.version}?`} centered>
        <form onSubmit={submit} noValidate>
          <Stack>
            <Text size="sm">
              Release {release.version} will no longer be offered on the {channelName} channel. Installations
              already running it are told it was withdrawn. This cannot be undone.
            </Text>
            <ReasonField
              kept="recorded in the audit trail"
              required
              data-autofocus
              {...form.getInputProps("reason")}
            />
            <DialogActions
              onCancel={close}
              confirmLabel="Yank release"
              color="red"
              loading={yank.isPending}
            />
          </Stack>
        </form>
      </Modal>
    </>
  );
}
