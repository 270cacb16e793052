import { type NotifierSettings, updateNotifierSettingsRequest } from "@licensing/contracts";
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  TextInput,
  Title,
} from "@mantine/core";
import { type FormErrors, useForm } from "@mantine/form";
import { useMemo, useState } from "react";
import { isApiError } from "../../../kit/api.ts";
import { applyServerErrors, formError } from "../../../kit/form.ts";
import { notifySuccess } from "../../../kit/notify.tsx";
import { zodValidate } from "../../../kit/zod-form.ts";
import { useSaveSettings } from "./api.ts";
import { formToRequest, type NotificationFormValues, settingsToForm, timeZones } from "./form-values.ts";
import { TestEmailButton } from "./TestEmailButton.tsx";

const securities = [
  { value: "starttls", label: "STARTTLS (required), usually port 587" },
  { value: "tls", label: "TLS from the start, usually port 465" },
  { value: "none", label: "None (a local relay or the development catcher)" },
];

/**
 * The recipients are one input: a problem with one of them (recipients.2) goes on it, naming the
 * address, so it also shows when that input alone is checked (on blur).
 */
function onRecipientsInput(errors: FormErrors, recipients: string[]): FormErrors {
  const out: FormErrors = {};
  for (const [path, message] of Object.entries(errors)) {
    const index = /^recipients\.(\d+)$/.exec(path)?.[1];
    if (index === undefined) out[path] = message;
    else out.recipients ??= `${recipients[Number(index)]}: ${message}`;
  }
  return out;
}

/** The settings form: every field checked against the contract's schema as the operator types. */
export function SettingsForm({ settings, reload }: { settings: NotifierSettings; reload: () => void }) {
  const save = useSaveSettings();
  const [conflict, setConflict] = useState(false);
  const check = zodValidate(updateNotifierSettingsRequest, (values: NotificationFormValues) =>
    formToRequest(values, settings.version),
  );
  const form = useForm<NotificationFormValues>({
    initialValues: settingsToForm(settings),
    validate: (values) => onRecipientsInput(check(values), values.recipients),
    validateInputOnBlur: true,
  });
  const zones = useMemo(() => timeZones(settings.timeZone), [settings.timeZone]);
  // From the server, a recipient's problem comes on its index (recipients.2): shown on the one input.
  const recipientsError =
    form.errors.recipients ??
    Object.entries(form.errors).find(([path]) => /^recipients\.\d+$/.test(path))?.[1];
  const generalError = form.errors[formError];

  const submit = form.onSubmit((values) =>
    save.mutate(formToRequest(values, settings.version), {
      onSuccess: () => notifySuccess("The notification settings were saved."),
      onError: (error) => {
        if (isApiError(error, "conflict")) setConflict(true);
        else applyServerErrors(form, error);
      },
    }),
  );

  return (
    <form onSubmit={submit} noValidate>
      <Stack maw={960}>
        {conflict && (
          <Alert color="orange" title="Someone changed these settings meanwhile" role="alert">
            Your changes were not saved.{" "}
            <Button size="xs" color="orange" onClick={reload}>
              Load the latest settings
            </Button>
          </Alert>
        )}
        {generalError && (
          <Alert color="red" variant="light" role="alert">
            {generalError}
          </Alert>
        )}
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            When
          </Title>
          <Stack>
            <Switch label="Send the daily digest" {...form.getInputProps("enabled", { type: "checkbox" })} />
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <TextInput type="time" label="Time of day" required {...form.getInputProps("dailyTime")} />
              <Select
                label="Time zone"
                description="The day, the time and the dates in the email"
                searchable
                required
                data={zones}
                allowDeselect={false}
                {...form.getInputProps("timeZone")}
              />
              <NumberInput
                label="Default notice window (days)"
                description="For licenses that set none"
                min={0}
                max={3650}
                allowDecimal={false}
                allowNegative={false}
                {...form.getInputProps("defaultNotifyDays")}
              />
            </SimpleGrid>
          </Stack>
        </Card>
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            Who
          </Title>
          <Stack>
            <TagsInput
              label="Recipients"
              description="Email addresses; press Enter after each"
              splitChars={[",", " ", ";"]}
              clearable
              {...form.getInputProps("recipients")}
              error={recipientsError}
            />
            <Checkbox
              label="Also send it (in Cc) to the creator of each listed license whose username is an email address"
              {...form.getInputProps("includeCreators", { type: "checkbox" })}
            />
            <Checkbox
              label="Send it on days with nothing to report"
              {...form.getInputProps("sendWhenEmpty", { type: "checkbox" })}
            />
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <TextInput label="Sender name" {...form.getInputProps("fromName")} />
              <TextInput label="Sender address" required {...form.getInputProps("fromAddress")} />
              <TextInput
                label="UI address"
                description="Each license in the email links here"
                required
                {...form.getInputProps("uiUrl")}
              />
            </SimpleGrid>
          </Stack>
        </Card>
        <Card withBorder>
          <Title order={2} size="h4" mb="sm">
            Mail server (SMTP)
          </Title>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput label="Host" required {...form.getInputProps("smtp.host")} />
            <NumberInput
              label="Port"
              required
              min={1}
              max={65535}
              allowDecimal={false}
              allowNegative={false}
              {...form.getInputProps("smtp.port")}
            />
            <Select
              label="Encryption"
              data={securities}
              allowDeselect={false}
              {...form.getInputProps("smtp.security")}
            />
            <TextInput
              label="User name"
              description="Empty: no sign-in"
              autoComplete="off"
              {...form.getInputProps("smtp.username")}
            />
            <PasswordInput
              label="Password"
              description={
                settings.smtp.passwordSet
                  ? "A password is stored (never shown). Type one to replace it."
                  : "None stored."
              }
              autoComplete="new-password"
              disabled={form.values.smtp.removePassword}
              {...form.getInputProps("smtp.password")}
            />
            {settings.smtp.passwordSet && (
              <Checkbox
                mt="xl"
                label="Remove the stored password"
                {...form.getInputProps("smtp.removePassword", { type: "checkbox" })}
              />
            )}
          </SimpleGrid>
        </Card>
        <Group justify="space-between">
          <TestEmailButton recipients={settings.recipients} unsaved={form.isDirty()} />
          <Button type="submit" loading={save.isPending}>
            Save settings
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
