import "mantine-datatable/styles.css";
import { ActionIcon, Badge, Button, Group, Menu, Stack, Text, VisuallyHidden } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { IconDots, IconPlus } from "@tabler/icons-react";
import { DataTable } from "mantine-datatable";
import { useState } from "react";
import { formatDateTime } from "../../kit/format.ts";
import { notifySuccess } from "../../kit/notify.tsx";
import { PageHeader } from "../../kit/PageHeader.tsx";
import { QueryError } from "../../kit/QueryError.tsx";
import { useSession } from "../../kit/session.tsx";
import type { User } from "../../kit/types.ts";
import { ConfirmDialog, CreateUserModal, RolesModal, TemporaryPasswordModal } from "./UserDialogs.tsx";
import { useResetPassword, useUpdateUser, useUsers } from "./users-api.ts";

type Pending = { kind: "roles" | "disable" | "enable" | "reset"; user: User } | null;

export function UsersPage() {
  const session = useSession();
  const users = useUsers();
  const update = useUpdateUser();
  const reset = useResetPassword();
  const [creating, create] = useDisclosure(false);
  const [pending, setPending] = useState<Pending>(null);
  const [temporary, setTemporary] = useState<{ username: string; password: string } | null>(null);
  const close = () => setPending(null);

  if (users.error) return <QueryError error={users.error} retry={() => void users.refetch()} />;

  return (
    <Stack>
      <PageHeader
        title="Users"
        description="Operators who may sign in, and their roles."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={create.open}>
            New user
          </Button>
        }
      />
      <DataTable<User>
        withTableBorder
        highlightOnHover
        minHeight={160}
        fetching={users.isPending}
        records={users.data ?? []}
        noRecordsText="No users"
        columns={[
          {
            accessor: "username",
            title: "Username",
            render: (user) => (
              <Text size="sm" fw={500}>
                {user.username}
                {user.id === session.user.id && (
                  <Text span c="dimmed" size="xs">
                    {" "}
                    (you)
                  </Text>
                )}
              </Text>
            ),
          },
          {
            accessor: "roles",
            title: "Roles",
            render: (user) => (
              <Group gap={4}>
                {user.roles.map((role) => (
                  <Badge key={role} variant="light" size="sm">
                    {role}
                  </Badge>
                ))}
              </Group>
            ),
          },
          {
            accessor: "disabled",
            title: "Status",
            render: (user) => (
              <Group gap={4}>
                <Badge color={user.disabled ? "gray" : "green"} variant="dot" size="sm">
                  {user.disabled ? "Disabled" : "Active"}
                </Badge>
                {user.mustChangePassword && (
                  <Badge color="yellow" variant="light" size="sm">
                    Temporary password
                  </Badge>
                )}
              </Group>
            ),
          },
          { accessor: "createdAt", title: "Created", render: (user) => formatDateTime(user.createdAt) },
          {
            accessor: "actions",
            title: <VisuallyHidden>Actions</VisuallyHidden>,
            textAlign: "right",
            render: (user) =>
              user.id === session.user.id ? null : (
                <Menu position="bottom-end">
                  <Menu.Target>
                    <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${user.username}`}>
                      <IconDots size={16} />
                    </ActionIcon>
                  </Menu.Target>
                  <Menu.Dropdown>
                    <Menu.Item onClick={() => setPending({ kind: "roles", user })}>Change roles</Menu.Item>
                    <Menu.Item onClick={() => setPending({ kind: "reset", user })}>Reset password</Menu.Item>
                    {user.disabled ? (
                      <Menu.Item onClick={() => setPending({ kind: "enable", user })}>Enable</Menu.Item>
                    ) : (
                      <Menu.Item color="red" onClick={() => setPending({ kind: "disable", user })}>
                        Disable
                      </Menu.Item>
                    )}
                  </Menu.Dropdown>
                </Menu>
              ),
          },
        ]}
      />

      <CreateUserModal
        opened={creating}
        onClose={create.close}
        onCreated={(user, password) => {
          create.close();
          notifySuccess(`User ${user.username} was created.`);
          if (password) setTemporary({ username: user.username, password });
        }}
      />
      {pending?.kind === "roles" && (
        <RolesModal
          user={pending.user}
          onClose={close}
          onSave={(roles) =>
            update.mutateAsync({ id: pending.user.id, roles }).then(() => {
              notifySuccess(`The roles of ${pending.user.username} were changed.`);
              close();
            })
          }
          saving={update.isPending}
        />
      )}
      {(pending?.kind === "disable" || pending?.kind === "enable") && (
        <ConfirmDialog
          title={
            pending.kind === "disable"
              ? `Disable ${pending.user.username}?`
              : `Enable ${pending.user.username}?`
          }
          message={
            pending.kind === "disable"
              ? "They are signed out at once and cannot sign in until enabled again."
              : "They can sign in again with their password."
          }
          confirmLabel={pending.kind === "disable" ? "Disable" : "Enable"}
          color={pending.kind === "disable" ? "red" : undefined}
          loading={update.isPending}
          onClose={close}
          onConfirm={() =>
            update.mutateAsync({ id: pending.user.id, disabled: pending.kind === "disable" }).then(() => {
              notifySuccess(
                `${pending.user.username} was ${pending.kind === "disable" ? "disabled" : "enabled"}.`,
              );
              close();
            })
          }
        />
      )}
      {pending?.kind === "reset" && (
        <ConfirmDialog
          title={`Reset the password of ${pending.user.username}?`}
          message="Their current password stops working. You get a temporary password to pass on; they choose their own at their next sign-in."
          confirmLabel="Reset password"
          color="red"
          loading={reset.isPending}
          onClose={close}
          onConfirm={() =>
            reset.mutateAsync(pending.user.id).then(({ temporaryPassword }) => {
              setTemporary({ username: pending.user.username, password: temporaryPassword });
              close();
            })
          }
        />
      )}
      {temporary && (
        <TemporaryPasswordModal
          username={temporary.username}
          password={temporary.password}
          onClose={() => setTemporary(null)}
        />
      )}
    </Stack>
  );
}
