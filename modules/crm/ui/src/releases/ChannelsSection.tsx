import type { ReleaseChannel } from "@licensing/contracts";
import { applyServerErrors, Can, ConfirmButton, notifySuccess, QueryError, useCan } from "@licensing/ui/kit";
import { Badge, Button, Checkbox, Group, Modal, NumberInput, Stack, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconPlus } from "@tabler/icons-react";
import { DataTable } from "mantine-datatable";
import { useState } from "react";
import { type SaveChannel, useChannels, useDeleteChannel, useSaveChannel } from "./api.ts";

const kindLabel = { commercial: "Commercial", test: "Test" } as const;

/** The release channels and the license kinds each one serves; editable with `release.write`. */
export function ChannelsSection() {
  const channels = useChannels();
  const canWrite = useCan("release.write");
  const remove = useDeleteChannel();
  // null: closed; a channel: editing it; "new": a new one.
  const [editing, setEditing] = useState<ReleaseChannel | "new" | null>(null);
  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <Title order={2} size="h4">
          Channels
        </Title>
        <Can action="release.write">
          <Button
            variant="light"
            size="xs"
            leftSection={<IconPlus size={14} />}
            onClick={() => setEditing("new")}
          >
            New channel
          </Button>
        </Can>
      </Group>
      {channels.error ? (
        <QueryError error={channels.error} retry={() => void channels.refetch()} />
      ) : (
        <DataTable<ReleaseChannel>
          withTableBorder
          minHeight={120}
          idAccessor="code"
          fetching={channels.isPending}
          records={channels.data ?? []}
          noRecordsText="No channels"
          columns={[
            { accessor: "code", title: "Code", cellsStyle: () => ({ fontFamily: "monospace" }) },
            { accessor: "name", title: "Name" },
            {
              accessor: "kinds",
              title: "License kinds served",
              render: (c) => (
                <Group gap={4} wrap="nowrap">
                  {c.kinds.map((kind) => (
                    <Badge key={kind} variant="light" color={kind === "commercial" ? "blue" : "grape"}>
                      {kindLabel[kind]}
                    </Badge>
                  ))}
                </Group>
              ),
            },
            { accessor: "position", title: "Position", textAlign: "right" },
            ...(canWrite
              ? [
                  {
                    accessor: "actions",
                    title: "Actions",
                    render: (c: ReleaseChannel) => (
                      <Group gap="xs" wrap="nowrap">
                        <Button size="compact-xs" variant="default" onClick={() => setEditing(c)}>
                          Edit {c.name}
                        </Button>
                        <ConfirmButton
                          size="compact-xs"
                          variant="subtle"
                          color="red"
                          title={`Delete the channel ${c.name}?`}
                          message="Only a channel that no release uses can be deleted."
                          confirmLabel="Delete channel"
                          loading={remove.isPending}
                          onConfirm={async () => {
                            await remove.mutateAsync(c.code);
                            notifySuccess(`Channel ${c.name} deleted`);
                          }}
                        >
                          Delete {c.name}
                        </ConfirmButton>
                      </Group>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      {editing && (
        <ChannelDialog channel={editing === "new" ? null : editing} onClose={() => setEditing(null)} />
      )}
    </Stack>
  );
}

function ChannelDialog({ channel, onClose }: { channel: ReleaseChannel | null; onClose: () => void }) {
  const save = useSaveChannel();
  const form = useForm<SaveChannel>({
    initialValues: {
      code: channel?.code ?? "",
      name: channel?.name ?? "",
      kinds: channel?.kinds ?? ["test"],
      position: channel?.position ?? 0,
    },
    validate: {
      code: (value) => (value.trim() ? null : "Enter a code, such as beta"),
      name: (value) => (value.trim() ? null : "Enter a name"),
      kinds: (value) => (value.length ? null : "Choose at least one license kind"),
    },
  });
  const submit = form.onSubmit(async (values) => {
    try {
      await save.mutateAsync({ ...values, code: values.code.trim(), name: values.name.trim() });
      notifySuccess(`Channel ${values.name.trim()} saved`);
      onClose();
    } catch (error) {
      applyServerErrors(form, error);
    }
  });
  return (
    <Modal opened onClose={onClose} title={channel ? `Edit channel ${channel.name}` : "New channel"}>
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Code" required disabled={channel !== null} {...form.getInputProps("code")} />
          <TextInput label="Name" required data-autofocus {...form.getInputProps("name")} />
          <Checkbox.Group label="License kinds served" required {...form.getInputProps("kinds")}>
            <Group mt={4}>
              <Checkbox value="commercial" label="Commercial" />
              <Checkbox value="test" label="Test" />
            </Group>
          </Checkbox.Group>
          <NumberInput
            label="Position"
            description="Where the channel comes in lists, lowest first"
            min={0}
            max={1000}
            allowDecimal={false}
            {...form.getInputProps("position")}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Save channel
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
