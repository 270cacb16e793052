import { ApiError, api, errorMessage, notifyError, notifySuccess, userMessage } from "@licensing/ui/kit";
import {
  ActionIcon,
  Button,
  Group,
  Menu,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
} from "@mantine/core";
import { IconBookmark, IconDeviceFloppy, IconSettings, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useSearchParams } from "react-router";

// Saved views (issue 17): an operator's named filter sets of a table, kept by the gateway per user.
// A view is the table's query string: applying one is going to that address.

export type ViewTable = "licenses" | "accounts";

interface SavedView {
  id: string;
  table: ViewTable;
  name: string;
  query: string;
  createdAt: string;
}

const viewsKey = (table: ViewTable) => ["views", table] as const;

/** The name's rules, checked before sending (the gateway checks them again). */
function nameError(name: string): string | undefined {
  if (name.trim() === "") return "Enter a name";
  if (name.trim().length > 80) return "At most 80 characters";
  return undefined;
}

/** "Views" beside a table's filters: apply a saved view, save the current filters, manage them. */
export function SavedViews({ table }: { table: ViewTable }) {
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [saving, setSaving] = useState(false);
  const [managing, setManaging] = useState(false);
  const views = useQuery({
    queryKey: viewsKey(table),
    queryFn: ({ signal }) => api.get<{ items: SavedView[] }>("/api/views", { query: { table }, signal }),
    select: (data) => data.items,
  });
  const current = params.toString();
  const refresh = () => queryClient.invalidateQueries({ queryKey: viewsKey(table) });
  return (
    <>
      <Menu position="bottom-start" shadow="md">
        <Menu.Target>
          <Button variant="default" size="xs" leftSection={<IconBookmark size={14} />}>
            Views
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>Saved views</Menu.Label>
          {views.data?.length === 0 && <Menu.Item disabled>None yet</Menu.Item>}
          {views.error && <Menu.Item disabled>Could not load them</Menu.Item>}
          {views.data?.map((view) => (
            <Menu.Item
              key={view.id}
              onClick={() => setParams(new URLSearchParams(view.query), { replace: false })}
              fw={view.query === current ? 700 : undefined}
            >
              {view.name}
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Item leftSection={<IconDeviceFloppy size={14} />} onClick={() => setSaving(true)}>
            Save current filters…
          </Menu.Item>
          <Menu.Item
            leftSection={<IconSettings size={14} />}
            disabled={!views.data?.length}
            onClick={() => setManaging(true)}
          >
            Manage views…
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      {saving && (
        <SaveDialog
          table={table}
          query={current}
          onClose={(saved) => {
            setSaving(false);
            if (saved) void refresh();
          }}
        />
      )}
      {managing && (
        <Modal opened onClose={() => setManaging(false)} title="Saved views" centered>
          <Table aria-label="Saved views">
            <Table.Tbody>
              {views.data?.map((view) => (
                <Table.Tr key={view.id}>
                  <Table.Td>{view.name}</Table.Td>
                  <Table.Td w={40}>
                    <DeleteView view={view} onDeleted={refresh} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {views.data?.length === 0 && (
            <Text size="sm" c="dimmed">
              None left.
            </Text>
          )}
        </Modal>
      )}
    </>
  );
}

function SaveDialog({
  table,
  query,
  onClose,
}: {
  table: ViewTable;
  query: string;
  onClose: (saved: boolean) => void;
}) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string | undefined>();
  const save = useMutation({
    mutationFn: () => api.post<SavedView>("/api/views", { table, name: name.trim(), query }),
    onSuccess: (view) => {
      notifySuccess(`Saved the view "${view.name}".`);
      onClose(true);
    },
    onError: (failure) => {
      if (failure instanceof ApiError && failure.issues.length > 0) setError(userMessage(failure.issues[0]!));
      else if (failure instanceof ApiError && failure.status === 409) setError(failure.message);
      else notifyError(failure);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = nameError(name);
    setError(problem);
    if (!problem) save.mutate();
  };
  return (
    <Modal opened onClose={() => onClose(false)} title="Save the current filters" centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm">
            {query
              ? "The filters now in use get a name in your Views menu."
              : "No filter is in use: the view shows the whole table."}
          </Text>
          <TextInput
            label="Name"
            required
            data-autofocus
            maxLength={200}
            value={name}
            error={error}
            onChange={(event) => setName(event.currentTarget.value)}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => onClose(false)}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Save view
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DeleteView({ view, onDeleted }: { view: SavedView; onDeleted: () => void }) {
  const remove = useMutation({
    mutationFn: () => api.delete(`/api/views/${encodeURIComponent(view.id)}`),
    onSuccess: onDeleted,
    onError: (failure) => notifyError(failure, `Could not delete "${view.name}": ${errorMessage(failure)}`),
  });
  return (
    <Tooltip label="Delete">
      <ActionIcon
        variant="subtle"
        color="red"
        aria-label={`Delete the view ${view.name}`}
        loading={remove.isPending}
        onClick={() => remove.mutate()}
      >
        <IconTrash size={16} />
      </ActionIcon>
    </Tooltip>
  );
}
