import {
  type Action,
  actionAreas,
  actionDescriptions,
  actions,
  customRoleNameRule,
  isBuiltInRole,
  roleDescriptionMaxLength,
} from "@licensing/contracts";
import {
  Alert,
  Button,
  Checkbox,
  Fieldset,
  Group,
  Modal,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { applyServerErrors } from "../../kit/form.ts";
import { useSession } from "../../kit/session.tsx";
import type { RoleInfo } from "../../kit/types.ts";
import { useCreateRole, useDeleteRole, useUpdateRole } from "./roles-api.ts";
import { ConfirmDialog } from "./UserDialogs.tsx";

interface RoleValues {
  name: string;
  description: string;
  actions: Action[];
}

/** What is wrong with a role before it is sent, in words for the user (the gateway checks again). */
export function validateRole(values: RoleValues, isNew: boolean): Partial<Record<keyof RoleValues, string>> {
  const errors: Partial<Record<keyof RoleValues, string>> = {};
  const name = values.name.trim();
  if (isNew) {
    if (!name) errors.name = "Enter a name";
    else if (isBuiltInRole(name)) errors.name = `${name} is a built-in role: choose another name`;
    else if (name.length < customRoleNameRule.minLength || name.length > customRoleNameRule.maxLength)
      errors.name = `Use ${customRoleNameRule.minLength} to ${customRoleNameRule.maxLength} characters`;
    else if (!customRoleNameRule.pattern.test(name))
      errors.name = "Use lower-case letters, digits and hyphens, starting with a letter (e.g. field-support)";
  }
  if (values.description.trim().length > roleDescriptionMaxLength)
    errors.description = `Use at most ${roleDescriptionMaxLength} characters`;
  if (values.actions.length === 0) errors.actions = "Choose at least one action";
  return errors;
}

/**
 * Defines a custom role, or changes one (its name stays: users hold it by name). Actions the user's
 * own roles do not allow are shown but cannot be chosen: nobody grants what they do not hold.
 */
export function RoleEditor({
  role,
  onClose,
  onSaved,
}: {
  role: RoleInfo | undefined;
  onClose: () => void;
  onSaved: (role: RoleInfo) => void;
}) {
  const session = useSession();
  const create = useCreateRole();
  const update = useUpdateRole();
  const isNew = role === undefined;
  const form = useForm<RoleValues>({
    initialValues: {
      name: role?.name ?? "",
      description: role?.description ?? "",
      actions: role?.actions ?? [],
    },
    validate: (values) => validateRole(values, isNew),
  });
  const submit = form.onSubmit((values) => {
    const body = { description: values.description.trim(), actions: values.actions };
    const handlers = { onSuccess: onSaved, onError: (error: unknown) => applyServerErrors(form, error) };
    if (isNew) create.mutate({ name: values.name.trim(), ...body }, handlers);
    else
      update.mutate(
        {
          name: role.name,
          ...body,
          ...(role.version === undefined ? {} : { expectedVersion: role.version }),
        },
        handlers,
      );
  });
  const held = new Set(session.permissions);
  return (
    <Modal opened onClose={onClose} title={isNew ? "New role" : `Edit role ${role.name}`} size="xl">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Name"
            required={isNew}
            disabled={!isNew}
            data-autofocus={isNew || undefined}
            autoComplete="off"
            description={
              isNew
                ? "Lower-case letters, digits and hyphens, e.g. field-support. It cannot change later."
                : "A role's name cannot change: users hold it by name."
            }
            {...form.getInputProps("name")}
          />
          <TextInput
            label="Description"
            description="What the role is for, shown beside it where roles are given."
            data-autofocus={!isNew || undefined}
            {...form.getInputProps("description")}
          />
          <Checkbox.Group
            label="Allowed actions"
            withAsterisk
            description="A user may do what any of their roles allows."
            {...form.getInputProps("actions")}
          >
            <Stack gap="sm" mt="xs">
              {actionAreas.map((area) => (
                <Fieldset key={area} legend={area} variant="filled">
                  <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
                    {actions
                      .filter((action) => actionDescriptions[action].area === area)
                      .map((action) => (
                        <Checkbox
                          key={action}
                          value={action}
                          label={actionDescriptions[action].label}
                          description={
                            held.has(action) ? action : `${action} — your own roles do not allow it`
                          }
                          disabled={!held.has(action) && !form.values.actions.includes(action)}
                        />
                      ))}
                  </SimpleGrid>
                </Fieldset>
              ))}
            </Stack>
          </Checkbox.Group>
          {!isNew && role.users > 0 && (
            <Alert variant="light" color="blue">
              {role.users} user(s) hold this role: the change applies to them from their next action.
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending || update.isPending}>
              {isNew ? "Create role" : "Save role"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/**
 * Deletes a custom role nobody holds. A role still held cannot be deleted (the gateway refuses it
 * too): the dialog says who to take it from instead of offering to delete.
 */
export function DeleteRoleDialog({
  role,
  onClose,
  onDeleted,
}: {
  role: RoleInfo;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const remove = useDeleteRole();
  if (role.users > 0)
    return (
      <Modal opened onClose={onClose} title={`${role.name} cannot be deleted`} centered>
        <Stack>
          <Text size="sm">
            {role.users} user(s) hold {role.name}. Take the role from them on the Users page first (Change
            roles); then it can be deleted.
          </Text>
          <Group justify="flex-end">
            <Button onClick={onClose} data-autofocus>
              Close
            </Button>
          </Group>
        </Stack>
      </Modal>
    );
  return (
    <ConfirmDialog
      title={`Delete role ${role.name}?`}
      message="Nobody holds it. It leaves the table and can no longer be given; the audit log keeps its history."
      confirmLabel="Delete role"
      color="red"
      loading={remove.isPending}
      onClose={onClose}
      onConfirm={() => remove.mutateAsync(role.name).then(onDeleted)}
    />
  );
}
