import {
  Anchor,
  Button,
  Code,
  Group,
  Modal,
  Pagination,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { useClipboard, useDebouncedValue, useDisclosure } from "@mantine/hooks";
import { IconCheck, IconCopy, IconDownload, IconList, IconSearch } from "@tabler/icons-react";
import { useMemo, useState } from "react";
import { entriesText, shortBytes, utf8Length } from "./content-size.ts";
import { saveText } from "./IssuedLicenses.tsx";
import type { KeyValue } from "./parameters.ts";

// A license's metadata or friendly restrictions, which may hold ~1,000 values of 2,000 characters
// (2 MiB): a summary and the first entries, each value clipped to one line (whole on demand), and
// every entry in a searchable, paged table on request, so the page never renders them all at once.

/** Entries shown on the page itself. */
export const previewEntries = 5;
/** Values longer than this are clipped (to one line, and to this many characters in the page). */
const clipAt = 80;
const pageSizes = ["25", "50", "100"];

/** A value on one line, with a control to read it whole. */
function ClippedValue({ entryKey, value }: { entryKey: string; value: string }) {
  const [open, setOpen] = useState(false);
  // A key with an empty value is legal (a restriction that is only a name): say so, rather than
  // leave a label that looks as if its value failed to show.
  if (value === "")
    return (
      <Text size="sm" c="dimmed" fs="italic">
        (no value)
      </Text>
    );
  if (value.length <= clipAt && !value.includes("\n"))
    return (
      <Text size="sm" style={{ overflowWrap: "anywhere" }}>
        {value}
      </Text>
    );
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start" style={{ minWidth: 0, flex: 1 }}>
      {open ? (
        <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere", flex: 1 }}>
          {value}
        </Text>
      ) : (
        // Only the start goes into the page: one line shows no more, and 50 rows stay light.
        <Text size="sm" truncate="end" style={{ flex: 1, minWidth: 0 }}>
          {value.slice(0, 400)}
        </Text>
      )}
      <Anchor
        component="button"
        type="button"
        size="xs"
        style={{ whiteSpace: "nowrap" }}
        onClick={() => setOpen(!open)}
        aria-label={open ? `Clip the value of ${entryKey}` : `Show the whole value of ${entryKey}`}
      >
        {open ? "Clip" : `All ${value.length.toLocaleString("en-US")} characters`}
      </Anchor>
    </Group>
  );
}

function EntryLine({ entry }: { entry: KeyValue }) {
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start" data-testid="entry">
      <Code style={{ flex: "none", maxWidth: "40%", overflowWrap: "anywhere" }}>{entry.key}</Code>
      <ClippedValue entryKey={entry.key} value={entry.value} />
    </Group>
  );
}

/**
 * One list of a license's key/values: `1,040 entries, 2.0 MiB`, the first few, "Show all", and the
 * whole as JSON (copied or downloaded).
 */
export function LicenseEntries({
  label,
  entries,
  json,
  fileName,
}: {
  label: string;
  entries: readonly KeyValue[];
  /** The list as the license holds it (metadata's object, the restrictions' array). */
  json: unknown;
  fileName: string;
}) {
  const [all, { open, close }] = useDisclosure(false);
  const clipboard = useClipboard({ timeout: 2_000 });
  const bytes = useMemo(() => utf8Length(JSON.stringify(json)), [json]);
  const summary = `${entriesText(entries.length)}, ${shortBytes(bytes)}`;
  const pretty = () => JSON.stringify(json, null, 2);
  return (
    <Stack gap={6} role="group" aria-label={label}>
      <Group justify="space-between" gap="xs">
        <Group gap="xs">
          <Text size="xs" c="dimmed">
            {label}
          </Text>
          <Text size="xs" c="dimmed" data-testid={`${label.toLowerCase().replace(/ /g, "-")}-summary`}>
            · {summary}
          </Text>
        </Group>
        <Group gap={4}>
          {entries.length > previewEntries && (
            <Button size="compact-xs" variant="light" leftSection={<IconList size={14} />} onClick={open}>
              Show all {entries.length.toLocaleString("en-US")}
            </Button>
          )}
          <Button
            size="compact-xs"
            variant="subtle"
            color={clipboard.copied ? "teal" : undefined}
            leftSection={clipboard.copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
            onClick={() => clipboard.copy(pretty())}
            aria-label={`Copy ${label.toLowerCase()} as JSON`}
          >
            {clipboard.copied ? "Copied" : "Copy as JSON"}
          </Button>
          <Button
            size="compact-xs"
            variant="subtle"
            leftSection={<IconDownload size={14} />}
            onClick={() => saveText(pretty(), fileName, "application/json")}
            aria-label={`Download ${label.toLowerCase()} as JSON`}
          >
            Download as JSON
          </Button>
        </Group>
      </Group>
      {entries.slice(0, previewEntries).map((entry, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: restrictions may repeat a key
        <EntryLine key={i} entry={entry} />
      ))}
      {entries.length > previewEntries && (
        <Text size="xs" c="dimmed">
          …and {(entries.length - previewEntries).toLocaleString("en-US")} more.
        </Text>
      )}
      <Modal opened={all} onClose={close} title={`${label}: ${summary}`} size="80%" centered>
        <AllEntries entries={entries} />
      </Modal>
    </Stack>
  );
}

/** Every entry, found by key or value, a page at a time. */
function AllEntries({ entries }: { entries: readonly KeyValue[] }) {
  const [search, setSearch] = useState("");
  const [query] = useDebouncedValue(search.trim().toLowerCase(), 200);
  const [page, setPage] = useState(1);
  const [size, setSize] = useState(50);
  const found = useMemo(
    () =>
      query
        ? entries.filter((e) => e.key.toLowerCase().includes(query) || e.value.toLowerCase().includes(query))
        : entries,
    [entries, query],
  );
  const pages = Math.max(1, Math.ceil(found.length / size));
  const current = Math.min(page, pages);
  const from = (current - 1) * size;
  const shown = found.slice(from, from + size);
  return (
    <Stack>
      <TextInput
        aria-label="Find a key or value"
        placeholder="Find a key or value"
        leftSection={<IconSearch size={16} />}
        value={search}
        onChange={(event) => {
          setSearch(event.currentTarget.value);
          setPage(1);
        }}
        data-autofocus
      />
      <Table striped layout="fixed" verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w="30%">Key</Table.Th>
            <Table.Th>Value</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {shown.map((entry, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: restrictions may repeat a key
            <Table.Tr key={from + i}>
              <Table.Td style={{ overflowWrap: "anywhere", verticalAlign: "top" }}>
                <Code>{entry.key}</Code>
              </Table.Td>
              <Table.Td style={{ verticalAlign: "top" }}>
                <ClippedValue entryKey={entry.key} value={entry.value} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {found.length === 0 && (
        <Text size="sm" c="dimmed">
          No entry holds “{search.trim()}”.
        </Text>
      )}
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {found.length === 0
            ? "None"
            : `${(from + 1).toLocaleString("en-US")}–${(from + shown.length).toLocaleString("en-US")} of ${entriesText(found.length)}`}
        </Text>
        <Group gap="sm">
          <Select
            aria-label="Entries per page"
            data={pageSizes}
            value={String(size)}
            onChange={(value) => {
              setSize(Number(value ?? 50));
              setPage(1);
            }}
            allowDeselect={false}
            w={90}
          />
          <Pagination
            total={pages}
            value={current}
            onChange={setPage}
            size="sm"
            getControlProps={(control) => ({ "aria-label": `${control} page` })}
          />
        </Group>
      </Group>
    </Stack>
  );
}
