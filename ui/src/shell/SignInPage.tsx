import {
  Alert,
  Button,
  Center,
  Code,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconAlertCircle } from "@tabler/icons-react";
import { ApiError } from "../kit/api.ts";
import { errorMessage } from "../kit/notify.tsx";
import { useSignIn } from "./auth.ts";

function signInProblem(error: unknown): string {
  if (error instanceof ApiError && error.code === "unauthorized")
    return "Wrong username or password, or the account is disabled.";
  if (error instanceof ApiError && error.code === "rate_limited") {
    const wait = error.retryAfterSeconds;
    return `Too many attempts. Try again ${wait ? `in ${duration(wait)}` : "in a moment"}.`;
  }
  return errorMessage(error);
}

/** The gateway's waits grow to 15 minutes: minutes read better than 900 seconds. */
function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

export function SignInPage() {
  const signIn = useSignIn();
  const form = useForm({
    initialValues: { username: "", password: "" },
    validate: {
      username: (value) => (value.trim() ? null : "Enter your username"),
      password: (value) => (value ? null : "Enter your password"),
    },
  });
  const requestId = signIn.error instanceof ApiError ? signIn.error.requestId : undefined;
  return (
    <Center mih="100vh" p="md" bg="var(--mantine-color-gray-light)">
      <Paper withBorder shadow="sm" p="xl" w={380} radius="md">
        <form
          onSubmit={form.onSubmit((values) => signIn.mutate({ ...values, username: values.username.trim() }))}
          noValidate
        >
          <Stack>
            <div>
              <Title order={1} size="h2">
                Licensing
              </Title>
              <Text c="dimmed" size="sm">
                Sign in to manage accounts and licenses.
              </Text>
            </div>
            {signIn.error && (
              <Alert color="red" variant="light" icon={<IconAlertCircle />} role="alert">
                <Text size="sm">{signInProblem(signIn.error)}</Text>
                {requestId && (
                  <Text size="xs" c="dimmed">
                    Request id <Code>{requestId}</Code>
                  </Text>
                )}
              </Alert>
            )}
            <TextInput
              label="Username"
              autoComplete="username"
              autoFocus
              required
              {...form.getInputProps("username")}
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              {...form.getInputProps("password")}
            />
            <Button type="submit" loading={signIn.isPending} fullWidth>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
