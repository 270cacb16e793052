import {
  ActionIcon,
  Alert,
  Button,
  Card,
  FileButton,
  Group,
  List,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import type { UseFormReturnType } from "@mantine/form";
import { IconBraces, IconFileImport, IconPlus, IconTrash } from "@tabler/icons-react";
import { type ReactNode, useRef, useState } from "react";
import { entriesText, metadataBytes, metadataObject, shortBytes, sizeField } from "./content-size.ts";
import { MetadataJsonEditor, Problems } from "./MetadataJsonEditor.tsx";
import { checkMetadataJson, type MetadataCheck, readMetadataFile } from "./metadata-json.ts";
import type { KeyValue, ParameterValues } from "./parameters.ts";

// The free key/values of a license: metadata (up to ~1,000 entries of 2,000 characters, 2 MiB) and
// friendly restrictions (at most 100). A few are edited as rows; many are given as JSON (a file or a
// text) and shown as a summary, since a thousand rows of inputs would freeze the form.

/** Metadata up to this many entries is edited row by row; beyond, as JSON. */
export const metadataRowsLimit = 25;

type Form = UseFormReturnType<ParameterValues>;
type ListPath = "metadata" | "friendlyRestrictions";

function Heading({
  path,
  label,
  description,
  actions,
}: {
  path: ListPath;
  label: string;
  description: string;
  actions: ReactNode;
}) {
  return (
    <Group justify="space-between" align="flex-start">
      <div>
        <Text fw={600} size="sm" id={`${path}-label`}>
          {label}
        </Text>
        <Text size="xs" c="dimmed">
          {description}
        </Text>
      </div>
      <Group gap="xs">{actions}</Group>
    </Group>
  );
}

function Rows({
  form,
  path,
  label,
  keyLabel,
}: {
  form: Form;
  path: ListPath;
  label: string;
  keyLabel: string;
}) {
  const items = form.values[path];
  return items.map((_, index) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; the key itself may change
    <Group key={index} align="flex-start" wrap="nowrap">
      <TextInput
        aria-label={`${label} ${index + 1} ${keyLabel.toLowerCase()}`}
        placeholder={keyLabel}
        w={240}
        {...form.getInputProps(`${path}.${index}.key`)}
        // Metadata is a record: the server names the key's path by the key itself.
        error={form.errors[`${path}.${index}.key`] ?? form.errors[`${path}.${items[index]?.key}`]}
      />
      <TextInput
        aria-label={`${label} ${index + 1} value`}
        placeholder="Value"
        style={{ flex: 1 }}
        {...form.getInputProps(`${path}.${index}.value`)}
      />
      <ActionIcon
        variant="subtle"
        color="red"
        mt={4}
        aria-label={`Remove ${label.toLowerCase()} ${index + 1}`}
        onClick={() => form.removeListItem(path, index)}
      >
        <IconTrash size={16} />
      </ActionIcon>
    </Group>
  ));
}

function AddButton({ form, path, label }: { form: Form; path: ListPath; label: string }) {
  return (
    <Button
      size="xs"
      variant="light"
      leftSection={<IconPlus size={14} />}
      onClick={() => form.insertListItem(path, { key: "", value: "" })}
    >
      Add {label.toLowerCase()}
    </Button>
  );
}

/** A list's own error (`friendlyRestrictions`), as the issuer or the contract names it. */
function ListError({ form, path }: { form: Form; path: ListPath }) {
  if (!form.errors[path]) return null;
  return (
    <Text c="red" size="sm" role="alert">
      {form.errors[path]}
    </Text>
  );
}

/** Friendly restrictions (at most 100): always rows, keys may repeat. */
export function RestrictionsField({ form }: { form: Form }) {
  const path = "friendlyRestrictions";
  return (
    <Stack gap="xs" role="group" aria-labelledby={`${path}-label`}>
      <Heading
        path={path}
        label="Friendly restrictions"
        description="Conditions shown to the customer in plain words, e.g. Site: Lyon"
        actions={<AddButton form={form} path={path} label="Friendly restrictions" />}
      />
      <ListError form={form} path={path} />
      <Rows form={form} path={path} label="Friendly restrictions" keyLabel="Restriction" />
    </Stack>
  );
}

const toRows = (metadata: Record<string, string>): KeyValue[] =>
  Object.entries(metadata).map(([key, value]) => ({ key, value }));

/**
 * Metadata: rows while there are few, a summary once there are more than metadataRowsLimit; either
 * way it can be edited as JSON, replaced from a JSON file or (when large) removed at once.
 */
export function MetadataField({ form }: { form: Form }) {
  const rows = form.values.metadata;
  const large = rows.length > metadataRowsLimit;
  const [problems, setProblems] = useState<string[]>([]);
  const [reading, setReading] = useState(false);
  const [json, setJson] = useState<string | null>(null);
  const resetFile = useRef<() => void>(null);

  const replace = (metadata: Record<string, string>) => {
    setProblems([]);
    form.setFieldValue("metadata", toRows(metadata));
    // Issues about the former metadata (and its size) no longer apply.
    form.setErrors(
      Object.fromEntries(
        Object.entries(form.errors).filter(
          ([path]) => path !== "metadata" && !path.startsWith("metadata.") && path !== sizeField,
        ),
      ),
    );
  };
  const apply = (check: MetadataCheck) => {
    if (check.ok) replace(check.metadata);
    else setProblems(check.problems);
  };
  const importFile = async (file: File | null) => {
    if (!file) return;
    setReading(true);
    try {
      const check = await readMetadataFile(file);
      apply(
        check.ok ? check : { ok: false, problems: [`${file.name} was not imported.`, ...check.problems] },
      );
    } finally {
      setReading(false);
      resetFile.current?.();
    }
  };
  // Issues the issuer named by key (`metadata.po number`), shown together when there are no rows.
  const keyErrors = Object.entries(form.errors).filter(([path]) => path.startsWith("metadata."));

  const actions = (
    <>
      {!large && rows.length < metadataRowsLimit && (
        <AddButton form={form} path="metadata" label="Metadata" />
      )}
      <Button
        size="xs"
        variant="light"
        leftSection={<IconBraces size={14} />}
        onClick={() => setJson(JSON.stringify(metadataObject(rows), null, 2))}
      >
        Edit as JSON
      </Button>
      <FileButton
        onChange={(file) => void importFile(file)}
        accept="application/json,.json"
        resetRef={resetFile}
        inputProps={{ "aria-label": "Metadata JSON file" }}
      >
        {(props) => (
          <Button
            {...props}
            size="xs"
            variant="light"
            leftSection={<IconFileImport size={14} />}
            loading={reading}
          >
            {rows.length === 0 ? "Import from JSON file" : "Replace from file"}
          </Button>
        )}
      </FileButton>
      {large && (
        <Button
          size="xs"
          variant="light"
          color="red"
          leftSection={<IconTrash size={14} />}
          onClick={() => replace({})}
        >
          Remove all
        </Button>
      )}
    </>
  );

  return (
    <Stack gap="xs" role="group" aria-labelledby="metadata-label">
      <Heading
        path="metadata"
        label="Metadata"
        description="Free key/values carried in the file, e.g. a purchase order (keys are codes: po-number). A JSON file (one object of text values) replaces them."
        actions={actions}
      />
      {problems.length > 0 && (
        <Alert
          color="red"
          variant="light"
          title="Metadata not changed"
          withCloseButton
          onClose={() => setProblems([])}
          role="alert"
        >
          <Problems problems={problems} />
        </Alert>
      )}
      <ListError form={form} path="metadata" />
      {large ? (
        <MetadataSummary rows={rows} keyErrors={keyErrors} />
      ) : (
        <>
          <Rows form={form} path="metadata" label="Metadata" keyLabel="Key" />
          {rows.length === metadataRowsLimit && (
            <Text size="xs" c="dimmed">
              {metadataRowsLimit} entries are edited as rows at most: edit as JSON or import a file for more.
            </Text>
          )}
        </>
      )}
      <MetadataJsonEditor
        text={json}
        onClose={() => setJson(null)}
        onApply={(text) => {
          const check = checkMetadataJson(text);
          if (check.ok) {
            replace(check.metadata);
            setJson(null);
          }
          return check;
        }}
      />
    </Stack>
  );
}

/** Large metadata in a few lines: how much, the first keys, and the issues named by key. */
function MetadataSummary({ rows, keyErrors }: { rows: KeyValue[]; keyErrors: [string, ReactNode][] }) {
  const first = rows.slice(0, 5).map((row) => row.key);
  return (
    <Card withBorder padding="sm" data-testid="metadata-summary">
      <Text size="sm" fw={500}>
        {entriesText(rows.length)}, {shortBytes(metadataBytes(rows))}
      </Text>
      <Text size="xs" c="dimmed" style={{ overflowWrap: "anywhere" }}>
        {first.join(", ")}, … Too many to edit one by one: edit them as JSON, or replace them from a file.
      </Text>
      {keyErrors.length > 0 && (
        <List size="sm" c="red" mt="xs" role="alert">
          {keyErrors.slice(0, 5).map(([path, message]) => (
            <List.Item key={path}>
              Key "{path.slice("metadata.".length)}": {message}
            </List.Item>
          ))}
        </List>
      )}
    </Card>
  );
}
