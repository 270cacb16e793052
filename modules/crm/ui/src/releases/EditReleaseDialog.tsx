import type { ProductRelease, ReleaseChannel } from "@licensing/contracts";
import { applyServerErrors, emptyToNull, isApiError, notifyError, notifySuccess } from "@licensing/ui/kit";
import { Alert, Button, Group, Modal, Stack } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { useUpdateRelease } from "./api.ts";
import { ReleaseFields, type ReleaseFieldValues } from "./ReleaseFields.tsx";

const valuesOf = (release: ProductRelease): ReleaseFieldValues => ({
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
  const form = useForm<ReleaseFieldValues>({ initialValues: valuesOf(release) });

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
          <ReleaseFields
            form={form}
            channels={channels}
            channel={release.state === "draft" ? {} : { disabled: true, description: "Fixed once published" }}
            lowest={{ placeholder: "any" }}
            highest={{ placeholder: "any" }}
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
