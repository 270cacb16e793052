import type { ProductRelease } from "@licensing/contracts";
import { applyServerErrors, notifySuccess } from "@licensing/ui/kit";
import { Button, Group, Modal, Stack, Text, Textarea } from "@mantine/core";
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
            <Textarea
              label="Reason"
              required
              autosize
              minRows={2}
              data-autofocus
              {...form.getInputProps("reason")}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" color="red" loading={yank.isPending}>
                Yank release
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
