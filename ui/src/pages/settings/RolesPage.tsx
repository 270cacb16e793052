import { type Action, actionAreas, actionDescriptions, actions } from "@licensing/contracts";
import {
  ActionIcon,
  Badge,
  Button,
  Code,
  Group,
  Loader,
  Menu,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { IconCheck, IconDots, IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { Link } from "react-router";
import { notifySuccess } from "../../kit/notify.tsx";
import { PageHeader } from "../../kit/PageHeader.tsx";
import { QueryError } from "../../kit/QueryError.tsx";
import type { RoleInfo } from "../../kit/types.ts";
import { DeleteRoleDialog, RoleEditor } from "./RoleDialogs.tsx";
import { useRoles } from "./roles-api.ts";

type Pending = { kind: "new" } | { kind: "edit" | "delete"; role: RoleInfo } | null;

/**
 * Settings → Roles: every role, built-in and custom, and the role × action table in words. For user
 * managers (`user.manage`): who gives roles sees what they allow, and defines the custom ones.
 */
export function RolesPage() {
  const roles = useRoles();
  const [pending, setPending] = useState<Pending>(null);
  const close = () => setPending(null);

  if (roles.error) return <QueryError error={roles.error} retry={() => void roles.refetch()} />;

  return (
    <Stack>
      <PageHeader
        title="Roles"
        description="What each role allows. Built-in roles are fixed; custom roles are defined here and given to users on the Users page."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={() => setPending({ kind: "new" })}>
            New role
          </Button>
        }
      />
      {roles.isPending ? (
        <Loader aria-label="Loading roles" />
      ) : (
        <>
          <RoleList
            roles={roles.data}
            onEdit={(role) => setPending({ kind: "edit", role })}
            onDelete={(role) => setPending({ kind: "delete", role })}
          />
          <PermissionTable roles={roles.data} />
        </>
      )}
      {(pending?.kind === "new" || pending?.kind === "edit") && (
        <RoleEditor
          role={pending.kind === "edit" ? pending.role : undefined}
          onClose={close}
          onSaved={(role) => {
            notifySuccess(
              pending.kind === "new" ? `Role ${role.name} was created.` : `Role ${role.name} was changed.`,
            );
            close();
          }}
        />
      )}
      {pending?.kind === "delete" && (
        <DeleteRoleDialog
          role={pending.role}
          onClose={close}
          onDeleted={() => {
            notifySuccess(`Role ${pending.role.name} was deleted.`);
            close();
          }}
        />
      )}
    </Stack>
  );
}

function RoleList({
  roles,
  onEdit,
  onDelete,
}: {
  roles: RoleInfo[];
  onEdit: (role: RoleInfo) => void;
  onDelete: (role: RoleInfo) => void;
}) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table withTableBorder highlightOnHover verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Role</Table.Th>
            <Table.Th scope="col">What it is for</Table.Th>
            <Table.Th scope="col" ta="right">
              Actions
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Users
            </Table.Th>
            <Table.Th scope="col">
              <VisuallyHidden>Changes</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {roles.map((role) => (
            <Table.Tr key={role.name} data-testid={`role-${role.name}`}>
              <Table.Td>
                <Group gap={6} wrap="nowrap">
                  <Text size="sm" fw={500}>
                    {role.name}
                  </Text>
                  <Badge
                    size="sm"
                    variant={role.builtIn ? "outline" : "light"}
                    color={role.builtIn ? "gray" : "blue"}
                  >
                    {role.builtIn ? "Built-in" : "Custom"}
                  </Badge>
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{role.description || "—"}</Text>
              </Table.Td>
              <Table.Td ta="right">{role.actions.length}</Table.Td>
              <Table.Td ta="right">
                {role.users > 0 ? (
                  <Link to="/settings/users" aria-label={`${role.users} user(s) hold ${role.name}`}>
                    {role.users}
                  </Link>
                ) : (
                  0
                )}
              </Table.Td>
              <Table.Td ta="right">
                {!role.builtIn && (
                  <Menu position="bottom-end">
                    <Menu.Target>
                      <ActionIcon variant="subtle" color="gray" aria-label={`Changes to ${role.name}`}>
                        <IconDots size={16} />
                      </ActionIcon>
                    </Menu.Target>
                    <Menu.Dropdown>
                      <Menu.Item onClick={() => onEdit(role)}>Edit</Menu.Item>
                      <Menu.Item color="red" onClick={() => onDelete(role)}>
                        Delete
                      </Menu.Item>
                    </Menu.Dropdown>
                  </Menu>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The role × action table: one row per action, grouped by area, one column per role. */
function PermissionTable({ roles }: { roles: RoleInfo[] }) {
  const allowed = new Map(roles.map((role) => [role.name, new Set<Action>(role.actions)]));
  return (
    <Stack gap="xs">
      <Title order={2} size="h3" id="permission-table-title">
        What each role allows
      </Title>
      <Table.ScrollContainer minWidth={320 + roles.length * 96}>
        <Table
          withTableBorder
          withColumnBorders
          stickyHeader
          verticalSpacing={4}
          aria-labelledby="permission-table-title"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Action</Table.Th>
              {roles.map((role) => (
                <Table.Th key={role.name} scope="col" ta="center" style={{ whiteSpace: "nowrap" }}>
                  {role.name}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          {actionAreas.map((area) => (
            <Table.Tbody key={area}>
              <Table.Tr>
                <Table.Th scope="rowgroup" colSpan={roles.length + 1} bg="var(--mantine-color-default-hover)">
                  {area}
                </Table.Th>
              </Table.Tr>
              {actions
                .filter((action) => actionDescriptions[action].area === area)
                .map((action) => (
                  <Table.Tr key={action}>
                    <Table.Th scope="row" fw={400}>
                      <Text size="sm">{actionDescriptions[action].label}</Text>
                      <Code fz="xs">{action}</Code>
                    </Table.Th>
                    {roles.map((role) => (
                      <Table.Td key={role.name} ta="center">
                        {allowed.get(role.name)?.has(action) ? (
                          <>
                            <IconCheck size={16} aria-hidden color="var(--mantine-color-green-text)" />
                            <VisuallyHidden>Allowed</VisuallyHidden>
                          </>
                        ) : (
                          <VisuallyHidden>Not allowed</VisuallyHidden>
                        )}
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
            </Table.Tbody>
          ))}
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
