import {
  type LegacySource,
  legacySources,
  MAX_MAPPING_BYTES,
  type MigrationRun,
  startMigrationRequest,
} from "@licensing/contracts";
import {
  ApiError,
  errorMessage,
  formError,
  issuesToErrors,
  revealFirstError,
  zodValidate,
} from "@licensing/ui/kit";
import {
  Alert,
  Button,
  Card,
  Code,
  Group,
  List,
  Modal,
  Select,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { IconDatabaseImport, IconFileDescription, IconTestPipe } from "@tabler/icons-react";
import { useRef, useState } from "react";
import { fetchDefaultMapping, useStartRun } from "./api.ts";
import { sourceNames } from "./run-text.ts";

interface StartValues {
  source: LegacySource | "";
  location: string;
  customMapping: boolean;
  mapping: string;
}

const formFields = new Set(["source", "location", "mapping"]);

function toRequest(values: StartValues, dryRun: boolean) {
  return {
    source: values.source,
    location: values.location,
    ...(values.customMapping ? { mapping: values.mapping } : {}),
    dryRun,
  };
}

/** The refusal of a start, split between the form's fields and the rest (a mapping's own problems). */
function refusalErrors(error: unknown): { fields: Record<string, string>; others: string[] } {
  if (!(error instanceof ApiError) || error.issues.length === 0) return { fields: {}, others: [] };
  const fields: Record<string, string> = {};
  const others: string[] = [];
  for (const issue of error.issues) {
    if (formFields.has(issue.path)) fields[issue.path] ??= String(issuesToErrors([issue])[issue.path]);
    else others.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
  }
  return { fields, others };
}

/**
 * Starts a run of one source: a dry run reports and changes nothing; an apply, after a confirmation,
 * creates the licenses. `onStarted` gets the run as the service answered it (state `running`).
 */
export function StartRunForm({ onStarted }: { onStarted: (run: MigrationRun) => void }) {
  const start = useStartRun();
  const [confirming, confirm] = useDisclosure(false);
  const [loadingMapping, setLoadingMapping] = useState(false);
  const [refusal, setRefusal] = useState<{ error: unknown; others: string[] } | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const summary = useRef<HTMLDivElement>(null);
  const form = useForm<StartValues>({
    initialValues: { source: "", location: "", customMapping: false, mapping: "" },
    validate: (values) => {
      const errors = zodValidate(startMigrationRequest, (v: StartValues) => toRequest(v, true))(values);
      if (values.source === "") errors.source = "Choose a source";
      if (values.customMapping && values.mapping.trim() === "")
        errors.mapping = "Paste a mapping, or start from the default one";
      return errors;
    },
  });
  const source = form.values.source;
  const sourceName = source ? sourceNames[source] : "";

  const showRefusal = () =>
    // After React has drawn the errors: the focus goes to the first field in error, else the alert.
    setTimeout(() => revealFirstError(formRef.current, summary.current));

  const send = (dryRun: boolean) => {
    confirm.close();
    setRefusal(null);
    start.mutate(toRequest(form.values, dryRun) as Parameters<typeof start.mutate>[0], {
      onSuccess: onStarted,
      onError: (error) => {
        const { fields, others } = refusalErrors(error);
        // Problems of a custom mapping name places in the file: listed in the alert, and the mapping
        // field says so, so the focus lands where they are fixed.
        if (form.values.customMapping && others.length > 0)
          fields.mapping ??= `${others.length === 1 ? "One problem" : `${others.length} problems`} in the mapping, listed above`;
        form.setErrors(fields);
        if (Object.keys(fields).length === 0 || others.length > 0) setRefusal({ error, others });
        showRefusal();
      },
    });
  };

  /** Apply asks first, once the form holds what the service needs. */
  const askApply = () => {
    if (form.validate().hasErrors) {
      showRefusal();
      return;
    }
    confirm.open();
  };

  const loadDefault = async () => {
    if (!source) {
      form.setFieldError("source", "Choose a source first");
      return;
    }
    setLoadingMapping(true);
    try {
      const mapping = await fetchDefaultMapping(source);
      form.setFieldValue("mapping", mapping.yaml);
      form.clearFieldError("mapping");
    } catch (error) {
      form.setFieldError("mapping", `The default mapping could not be read: ${errorMessage(error)}`);
    } finally {
      setLoadingMapping(false);
    }
  };

  return (
    <Card withBorder component="section" aria-labelledby="migration-start-title">
      <Title order={2} size="h4" id="migration-start-title" mb="xs">
        Start a run
      </Title>
      <form
        ref={formRef}
        noValidate
        onSubmit={form.onSubmit(
          () => send(true),
          () => showRefusal(),
        )}
      >
        <Stack maw={760}>
          {refusal && (
            <Alert
              ref={summary}
              tabIndex={-1}
              color="red"
              variant="light"
              title="The run was not started"
              role="alert"
            >
              <Text size="sm">{errorMessage(refusal.error)}</Text>
              {refusal.others.length > 0 && (
                <List size="sm" mt={4}>
                  {refusal.others.map((line) => (
                    <List.Item key={line}>{line}</List.Item>
                  ))}
                </List>
              )}
              {refusal.error instanceof ApiError && refusal.error.requestId && (
                <Text size="xs" c="dimmed" mt={4}>
                  Request id <Code>{refusal.error.requestId}</Code>
                </Text>
              )}
            </Alert>
          )}
          {form.errors[formError] && (
            <Alert color="red" variant="light">
              {form.errors[formError]}
            </Alert>
          )}
          <Select
            label="Source"
            placeholder="The legacy system to bring in"
            required
            data={legacySources.map((value) => ({ value, label: sourceNames[value] }))}
            allowDeselect={false}
            {...form.getInputProps("source")}
          />
          <TextInput
            label="Location"
            required
            placeholder="exports/studio or mysql://reader@legacy-db:3306/licenses"
            description="A directory of the source's exports (one CSV or JSON Lines file per table) inside the migration service's MIGRATION_ROOT, relative to it or absolute; or the URL of its database (mysql://, mariadb://, mssql://), opened from the service. A password in the URL is never shown back."
            {...form.getInputProps("location")}
          />
          <Switch
            label="Use a custom mapping"
            description="Without one, the source's default mapping reads the layout docs/migration.md describes."
            {...form.getInputProps("customMapping", { type: "checkbox" })}
          />
          {form.values.customMapping && (
            <Stack gap={6}>
              <Textarea
                label="Mapping (YAML)"
                description={`How the source's tables and columns become license fields; at most ${MAX_MAPPING_BYTES.toLocaleString()} characters.`}
                autosize
                minRows={6}
                maxRows={24}
                styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 13 } }}
                spellCheck={false}
                {...form.getInputProps("mapping")}
              />
              <Group>
                <Button
                  variant="default"
                  size="xs"
                  leftSection={<IconFileDescription size={14} />}
                  loading={loadingMapping}
                  onClick={() => void loadDefault()}
                >
                  {sourceName
                    ? `Start from the default mapping of ${sourceName}`
                    : "Start from the default mapping"}
                </Button>
              </Group>
            </Stack>
          )}
          <Group>
            <Button
              type="submit"
              variant="default"
              leftSection={<IconTestPipe size={16} />}
              loading={start.isPending && start.variables?.dryRun !== false}
              disabled={start.isPending}
            >
              Dry run
            </Button>
            <Button
              color="orange"
              leftSection={<IconDatabaseImport size={16} />}
              loading={start.isPending && start.variables?.dryRun === false}
              disabled={start.isPending}
              onClick={askApply}
            >
              Apply
            </Button>
            <Text size="xs" c="dimmed">
              A dry run reports what would happen and changes nothing.
            </Text>
          </Group>
        </Stack>
      </form>
      <Modal
        opened={confirming}
        onClose={confirm.close}
        title={`Apply the migration of ${sourceName}?`}
        centered
      >
        <Stack>
          <Text size="sm">
            Licenses will be created (or updated) from {sourceName}, with the accounts they need. Legacy
            owners awaiting an account decision are left out until decided. An apply can be rolled back while
            none of its licenses has changed.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={confirm.close}>
              Cancel
            </Button>
            <Button color="orange" onClick={() => send(false)} data-autofocus>
              Apply and create licenses
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}
