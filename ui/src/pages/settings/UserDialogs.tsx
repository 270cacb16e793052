import {
  Alert,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Modal,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Tooltip,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconCheck, IconCopy } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { applyServerErrors } from "../../kit/form.ts";
import type { User } from "../../kit/types.ts";
import { minPasswordLength } from "../../shell/auth.ts";
import { useRoleOptions } from "./roles-api.ts";
import { useCreateUser } from "./users-api.ts";

/** The built-in roles and the custom ones (Settings → Roles), each with what it is for. */
function RolePicker(props: { value: string[]; onChange: (value: string[]) => void; error?: ReactNode }) {
  const roles = useRoleOptions();
  return (
    <Checkbox.Group label="Roles" withAsterisk {...props}>
      <Stack gap="xs" mt={6}>
        {roles.map((role) => (
          <Checkbox
            key={role.name}
            value={role.name}
            label={role.builtIn ? role.name : `${role.name} (custom)`}
            description={role.description || undefined}
          />
        ))}
      </Stack>
    </Checkbox.Group>
  );
}

interface NewUserValues {
  username: string;
  roles: string[];
  password: string;
}

export function validateNewUser(values: NewUserValues): Partial<Record<keyof NewUserValues, string>> {
  const errors: Partial<Record<keyof NewUserValues, string>> = {};
  const username = values.username.trim();
  if (!username) errors.username = "Enter a username";
  else if (username.length > 100) errors.username = "Use at most 100 characters";
  if (values.roles.length === 0) errors.roles = "Give at least one role";
  if (values.password && values.password.length < minPasswordLength)
    errors.password = `Use at least ${minPasswordLength} characters, or leave empty`;
  return errors;
}

export function CreateUserModal({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: (user: User, temporaryPassword: string | undefined) => void;
}) {
  const create = useCreateUser();
  const form = useForm<NewUserValues>({
    initialValues: { username: "", roles: [], password: "" },
    validate: validateNewUser,
  });
  const close = () => {
    form.reset();
    onClose();
  };
  const submit = form.onSubmit((values) =>
    create.mutate(
      {
        username: values.username.trim(),
        roles: values.roles,
        ...(values.password ? { password: values.password } : {}),
      },
      {
        onSuccess: ({ user, temporaryPassword }) => {
          form.reset();
          onCreated(user, temporaryPassword);
        },
        onError: (error) => applyServerErrors(form, error),
      },
    ),
  );
  return (
    <Modal opened={opened} onClose={close} title="New user" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Username"
            required
            data-autofocus
            autoComplete="off"
            {...form.getInputProps("username")}
          />
          <RolePicker {...(form.getInputProps("roles") as Parameters<typeof RolePicker>[0])} />
          <PasswordInput
            label="Initial password"
            description={`Optional. Leave empty to get a temporary password to pass on. Either way the user chooses their own at first sign-in. At least ${minPasswordLength} characters.`}
            autoComplete="new-password"
            {...form.getInputProps("password")}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function RolesModal({
  user,
  onClose,
  onSave,
  saving,
}: {
  user: User;
  onClose: () => void;
  onSave: (roles: string[]) => Promise<unknown>;
  saving: boolean;
}) {
  const form = useForm<{ roles: string[] }>({
    initialValues: { roles: user.roles },
    validate: { roles: (value) => (value.length === 0 ? "Give at least one role" : null) },
  });
  return (
    <Modal opened onClose={onClose} title={`Roles of ${user.username}`} size="lg">
      <form onSubmit={form.onSubmit((values) => onSave(values.roles).catch(() => {}))} noValidate>
        <Stack>
          <RolePicker {...(form.getInputProps("roles") as Parameters<typeof RolePicker>[0])} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={saving}>
              Save roles
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function ConfirmDialog({
  title,
  message,
  confirmLabel,
  color,
  loading,
  onClose,
  onConfirm,
}: {
  title: string;
  message: string;
  confirmLabel: string;
  color?: string;
  loading: boolean;
  onClose: () => void;
  onConfirm: () => Promise<unknown>;
}) {
  return (
    <Modal opened onClose={onClose} title={title} centered>
      <Stack>
        <Text size="sm">{message}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color={color} loading={loading} onClick={() => onConfirm().catch(() => {})} data-autofocus>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The one time a temporary password is shown: the gateway keeps only its hash. */
export function TemporaryPasswordModal({
  username,
  password,
  onClose,
}: {
  username: string;
  password: string;
  onClose: () => void;
}) {
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Temporary password for ${username}`}
      centered
      closeOnClickOutside={false}
    >
      <Stack>
        <Alert color="yellow" variant="light">
          This password is shown only now. Pass it on securely; {username} must choose a new one at first
          sign-in.
        </Alert>
        <Group gap="xs" wrap="nowrap">
          <Code fz="md" p="xs" style={{ flex: 1, wordBreak: "break-all" }} data-testid="temporary-password">
            {password}
          </Code>
          <CopyButton value={password}>
            {({ copied, copy }) => (
              <Tooltip label={copied ? "Copied" : "Copy"}>
                <Button
                  variant="light"
                  onClick={copy}
                  leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                >
                  {copied ? "Copied" : "Copy"}
                </Button>
              </Tooltip>
            )}
          </CopyButton>
        </Group>
        <Group justify="flex-end">
          <Button onClick={onClose}>Done</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
