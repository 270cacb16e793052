import type { ProductRelease, ReleaseChannel } from "@licensing/contracts";
import { applyServerErrors, emptyToNull, isApiError, notifyError, notifySuccess } from "@licensing/ui/kit";
import { Alert, Button, Group, Modal, Select, SimpleGrid, Stack, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { useUpdateRelease } from "./api.ts";
import { NotesEditor } from "./Notes.tsx";

interface Values {
  notes: string;
  channel: string;
  minUpgradableFrom: string;
  maxUpgradableFrom: string;
}

const valuesOf = (release: ProductRelease): Values => ({
  notes: release.notes,
  channel: release.channel,
  minUpgradableFrom: release.minUpgradableFrom ?? "",
  maxUpgradableFrom: release.maxUpgradableFrom ?? "",
});

/**
 * Notes and upgradable-from range (and a draft's channel), saved against the revision the operator
 * saw: if someone else changed the release meanwhile, the input is kept and the latest offered.
 */
export function EditReleaseDialog({
  release,
  channels,
  onClose,
  reload,
}: {
  release: ProductRelease;
  channels: ReleaseChannel[];
  onClose: () => void;
  reload: () => Promise<ProductRelease | undefined>;
}) {
  const update = useUpdateRelease(release.id);
  const [revision, setRevision] = useState(release.revision);
  const [conflict, setConflict] = useState(false);
  const form = useForm<Values>({ initialValues: valuesOf(release) });

  const submit = form.onSubmit(async (values) => {
    setConflict(false);
    try {
      await update.mutateAsync({
        expectedRevision: revision,
        notes: values.notes,
        ...(release.state === "draft" ? { channel: values.channel } : {}),
        minUpgradableFrom: emptyToNull(values.minUpgradableFrom),
        maxUpgradableFrom: emptyToNull(values.maxUpgradableFrom),
      });
      notifySuccess(`Release ${release.version} saved`);
      onClose();
    } catch (error) {
      if (isApiError(error, "conflict")) setConflict(true);
      else if (!applyServerErrors(form, error)) notifyError(error);
    }
  });

  const loadLatest = async () => {
    const latest = await reload();
    if (!latest) return;
    setRevision(latest.revision);
    form.setValues(valuesOf(latest));
    form.resetDirty(valuesOf(latest));
    setConflict(false);
  };

  return (
    <Modal opened onClose={onClose} title={`Edit release ${release.version}`} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          {conflict && (
            <Alert color="orange" variant="light" role="alert" title="Changed by someone else">
              This release was changed by someone else since you opened it. Your changes are still here;
              reload to see the latest version, then make them again.
              <Group mt="xs">
                <Button size="xs" variant="light" color="orange" onClick={() => void loadLatest()}>
                  Reload the latest version
                </Button>
              </Group>
            </Alert>
          )}
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Select
              label="Channel"
              allowDeselect={false}
              disabled={release.state !== "draft"}
              description={release.state === "draft" ? undefined : "Fixed once published"}
              data={channels.map((c) => ({ value: c.code, label: c.name }))}
              {...form.getInputProps("channel")}
            />
            <TextInput
              label="Upgradable from (lowest)"
              placeholder="any"
              {...form.getInputProps("minUpgradableFrom")}
            />
            <TextInput
              label="Upgradable from (highest)"
              placeholder="any"
              {...form.getInputProps("maxUpgradableFrom")}
            />
          </SimpleGrid>
          <NotesEditor
            value={form.values.notes}
            onChange={(notes) => form.setFieldValue("notes", notes)}
            error={form.errors.notes}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={update.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
