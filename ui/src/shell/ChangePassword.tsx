import { Button, Center, Group, Paper, PasswordInput, Stack, Text, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { applyServerErrors } from "../kit/form.ts";
import { notifySuccess } from "../kit/notify.tsx";
import { useSession } from "../kit/session.tsx";
import { minPasswordLength, useChangePassword, useSignOut } from "./auth.ts";

interface PasswordValues {
  currentPassword: string;
  newPassword: string;
  confirmPassword: string;
}

/** The rules of a new password, checked before the gateway checks them again. */
export function validatePasswordChange(
  values: PasswordValues,
): Partial<Record<keyof PasswordValues, string>> {
  const errors: Partial<Record<keyof PasswordValues, string>> = {};
  if (!values.currentPassword) errors.currentPassword = "Enter your current password";
  if (values.newPassword.length < minPasswordLength)
    errors.newPassword = `Use at least ${minPasswordLength} characters`;
  else if (values.newPassword === values.currentPassword)
    errors.newPassword = "Choose a password different from the current one";
  if (values.confirmPassword !== values.newPassword) errors.confirmPassword = "The two passwords differ";
  return errors;
}

/** Current, new and repeated password; used by the forced change and the user menu alike. */
export function ChangePasswordForm({ onDone, onCancel }: { onDone?: () => void; onCancel?: () => void }) {
  const change = useChangePassword();
  const form = useForm<PasswordValues>({
    initialValues: { currentPassword: "", newPassword: "", confirmPassword: "" },
    validate: validatePasswordChange,
  });
  const submit = form.onSubmit(({ currentPassword, newPassword }) =>
    change.mutate(
      { currentPassword, newPassword },
      {
        onSuccess: () => {
          notifySuccess("Your password was changed.");
          form.reset();
          onDone?.();
        },
        onError: (error) => applyServerErrors(form, error),
      },
    ),
  );
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <PasswordInput
          label="Current password"
          autoComplete="current-password"
          required
          data-autofocus
          {...form.getInputProps("currentPassword")}
        />
        <PasswordInput
          label="New password"
          description={`At least ${minPasswordLength} characters`}
          autoComplete="new-password"
          required
          {...form.getInputProps("newPassword")}
        />
        <PasswordInput
          label="Repeat the new password"
          autoComplete="new-password"
          required
          {...form.getInputProps("confirmPassword")}
        />
        <Group justify="flex-end">
          {onCancel && (
            <Button variant="default" onClick={onCancel}>
              Cancel
            </Button>
          )}
          <Button type="submit" loading={change.isPending}>
            Change password
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Shown instead of the app until a user with a temporary password has chosen their own. */
export function ForcedPasswordChange() {
  const session = useSession();
  const signOut = useSignOut();
  return (
    <Center mih="100vh" p="md" bg="var(--mantine-color-gray-light)">
      <Paper withBorder shadow="sm" p="xl" w={420} radius="md">
        <Stack>
          <div>
            <Title order={1} size="h2">
              Choose a new password
            </Title>
            <Text c="dimmed" size="sm">
              {session.user.username}, your password was set by an administrator. Choose your own to continue.
            </Text>
          </div>
          <ChangePasswordForm />
          <Button variant="subtle" size="xs" onClick={() => signOut.mutate()}>
            Sign out instead
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
