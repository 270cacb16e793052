import type { ProductRelease, ReleaseChannel } from "@licensing/contracts";
import { applyServerErrors, emptyToNull, formError } from "@licensing/ui/kit";
import { Alert, Button, Group, Modal, Stack, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useCreateRelease } from "./api.ts";
import { ReleaseFields, type ReleaseFieldValues } from "./ReleaseFields.tsx";

interface Values extends ReleaseFieldValues {
  version: string;
}

/** "New release": a draft of `product`, opened once created (`onCreated`). */
export function NewReleaseDialog({
  product,
  channels,
  opened,
  onClose,
  onCreated,
}: {
  product: string;
  channels: ReleaseChannel[];
  opened: boolean;
  onClose: () => void;
  onCreated: (release: ProductRelease) => void;
}) {
  const create = useCreateRelease(product);
  const form = useForm<Values>({
    initialValues: {
      version: "",
      channel: channels[0]?.code ?? "stable",
      notes: "",
      minUpgradableFrom: "",
      maxUpgradableFrom: "",
    },
    validate: {
      version: (value) => (value.trim() ? null : "Enter the version, such as 1.4.2"),
      channel: (value) => (value ? null : "Choose a channel"),
    },
  });

  const submit = form.onSubmit(async (values) => {
    try {
      const release = await create.mutateAsync({
        version: values.version.trim(),
        channel: values.channel,
        notes: values.notes,
        minUpgradableFrom: emptyToNull(values.minUpgradableFrom),
        maxUpgradableFrom: emptyToNull(values.maxUpgradableFrom),
      });
      form.reset();
      onCreated(release);
    } catch (error) {
      applyServerErrors(form, error);
    }
  });

  return (
    <Modal opened={opened} onClose={onClose} title="New release" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          {form.errors[formError] && (
            <Alert color="red" variant="light" role="alert">
              {form.errors[formError]}
            </Alert>
          )}
          <ReleaseFields
            form={form}
            channels={channels}
            version={
              <TextInput
                label="Version"
                description="Semantic version, never used before for this product"
                placeholder="1.4.2"
                required
                data-autofocus
                {...form.getInputProps("version")}
              />
            }
            channel={{ required: true }}
            lowest={{ description: "Oldest version it installs over; empty: any", placeholder: "1.0.0" }}
            highest={{ description: "Newest version it installs over; empty: any", placeholder: "1.4.1" }}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create draft
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
