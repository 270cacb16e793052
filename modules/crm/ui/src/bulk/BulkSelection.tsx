import { notifyError } from "@licensing/ui/kit";
import { Button, Group, Modal, Paper, Progress, ScrollArea, Stack, Table, Text } from "@mantine/core";
import { IconDownload, IconListCheck, IconX } from "@tabler/icons-react";
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from "react";
import { BULK_UI_MAX, type BulkOutcome, countOf, download, type Noun, type RunRowOf } from "./bulk-kit.ts";

// The parts of a table's bulk actions that do not depend on the table: the bar naming the
// selection, and the dialog that confirms with the count, shows progress and then each row's result.
// The licenses and accounts tables give them their actions, columns and requests.

/**
 * The bar above a table while rows are selected: how many, "select all matching the filters",
 * "Clear selection", and the table's actions (`children`, each gated by its right by the caller).
 */
export function SelectionBar<T>({
  noun,
  selected,
  onSelect,
  selectAll,
  children,
}: {
  noun: Noun;
  selected: T[];
  onSelect: (rows: T[]) => void;
  /** Every row the filters match, or "too-many" past `BULK_UI_MAX`. */
  selectAll: () => Promise<T[] | "too-many">;
  children: ReactNode;
}) {
  const [finding, setFinding] = useState(false);
  if (selected.length === 0) return null;
  const onSelectAll = async () => {
    setFinding(true);
    try {
      const all = await selectAll();
      if (all === "too-many")
        notifyError(
          new Error(
            `More than ${BULK_UI_MAX.toLocaleString()} ${noun.many} match. Narrow the filters and work in parts.`,
          ),
          "Too many to select",
        );
      else onSelect(all);
    } catch (error) {
      notifyError(error);
    } finally {
      setFinding(false);
    }
  };
  return (
    <Paper withBorder p="xs" role="region" aria-label={`Selected ${noun.many}`}>
      <Group justify="space-between" gap="xs">
        <Group gap="xs">
          <Text size="sm" fw={600} role="status">
            {countOf(selected.length, noun)} selected
          </Text>
          <Button
            variant="subtle"
            size="xs"
            leftSection={<IconListCheck size={14} />}
            loading={finding}
            onClick={onSelectAll}
          >
            Select all matching the filters
          </Button>
          <Button
            variant="subtle"
            size="xs"
            color="gray"
            leftSection={<IconX size={14} />}
            onClick={() => onSelect([])}
          >
            Clear selection
          </Button>
        </Group>
        <Group gap="xs">{children}</Group>
      </Group>
    </Paper>
  );
}

/** A column of the per-row result table, before the result and its reason. */
export interface RowColumn<T> {
  title: string;
  render: (row: T) => ReactNode;
  /** Monospace and never wrapped (a key's last group). */
  code?: boolean;
}

type Phase = "form" | "running" | "finished";

/**
 * Confirmation (naming the count and the action), then progress, then every row's result, with
 * "Download results (CSV)" and a retry of the rows that failed under the same bulk id. The dialog
 * cannot be closed while a part is in flight; the focus goes to the progress line when the run
 * starts and to Close when it ends.
 */
export function BulkRunDialog<T>({
  noun,
  rows,
  idOf,
  phrase,
  doneWord,
  color,
  columns,
  onConfirm,
  send,
  onRan,
  resultsCsv,
  resultsFile,
  reasonOf = (result) => result?.message ?? "",
  onClose,
  children,
}: {
  noun: Noun;
  rows: T[];
  idOf: (row: T) => string;
  /** The action with its count: ("37 licenses") → "Renew 37 licenses"; the title adds "?". */
  phrase: (count: string) => string;
  /** "renewed" → "35 renewed, 2 refused, 0 failed." */
  doneWord: string;
  color?: string;
  columns: RowColumn<T>[];
  /** Checks the form's fields (showing their errors) and keeps what to send; false stays in the form. */
  onConfirm: () => boolean;
  /** Sends the ids under the run's bulk id, in parts, reporting the results so far after each. */
  send: (bulkId: string, ids: string[], onPart: (results: BulkOutcome[]) => void) => Promise<unknown>;
  /** After each run (the tables' data changed). */
  onRan: () => void;
  resultsCsv: (rows: RunRowOf<T>[]) => string;
  resultsFile: string;
  /** A row's reason in words (by default the gateway's message). */
  reasonOf?: (result: BulkOutcome | undefined) => string;
  onClose: (finished: boolean) => void;
  /** The form's fields, above Cancel and the confirmation. */
  children: ReactNode;
}) {
  const [phase, setPhase] = useState<Phase>("form");
  const [results, setResults] = useState<Map<string, BulkOutcome>>(new Map());
  // How many rows this run sends (all, or those that failed), and how many have come back.
  const [target, setTarget] = useState(rows.length);
  const [processed, setProcessed] = useState(0);
  // One bulk id for the dialog: a retry of failed rows never changes twice what was done.
  const bulkId = useRef(`ui-${crypto.randomUUID()}`).current;
  // The confirmation button goes away once the run starts: the focus follows the progress, then the
  // way out, rather than falling to the page behind the dialog.
  const progressRef = useRef<HTMLParagraphElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (phase === "running") progressRef.current?.focus();
    if (phase === "finished") closeRef.current?.focus();
  }, [phase]);
  const count = rows.length;

  const run = async (ids: string[]) => {
    setPhase("running");
    setTarget(ids.length);
    setProcessed(0);
    const before = new Map(results);
    for (const id of ids) before.delete(id);
    setResults(before);
    try {
      await send(bulkId, ids, (part) => {
        setProcessed(part.length);
        setResults(new Map([...before, ...part.map((r) => [r.id, r] as const)]));
      });
    } finally {
      setPhase("finished");
      onRan();
    }
  };
  const confirm = (event: FormEvent) => {
    event.preventDefault();
    if (onConfirm()) void run(rows.map(idOf));
  };

  const runRows: RunRowOf<T>[] = rows.map((row) => ({ row, result: results.get(idOf(row)) }));
  const tally = (outcome: BulkOutcome["outcome"]) =>
    runRows.filter((r) => r.result?.outcome === outcome).length;
  const failedIds = runRows.filter((r) => r.result?.outcome === "failed").map((r) => idOf(r.row));
  const action = phrase(countOf(count, noun));
  const title = phase === "form" ? `${action}?` : phase === "running" ? action : `${action}: finished`;

  return (
    <Modal
      opened
      size="xl"
      centered
      title={title}
      onClose={() => phase !== "running" && onClose(phase === "finished")}
      closeOnEscape={phase !== "running"}
      closeOnClickOutside={phase !== "running"}
      withCloseButton={phase !== "running"}
    >
      {phase === "form" && (
        <form onSubmit={confirm} noValidate>
          <Stack>
            {children}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => onClose(false)}>
                Cancel
              </Button>
              <Button type="submit" color={color}>
                {action}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
      {phase !== "form" && (
        <Stack>
          <Progress
            value={target ? (processed / target) * 100 : 100}
            aria-label="Progress"
            animated={phase === "running"}
          />
          <Text size="sm" role="status" aria-live="polite" ref={progressRef} tabIndex={-1}>
            {phase === "running"
              ? `${processed.toLocaleString()} of ${target.toLocaleString()} done…`
              : `${tally("done").toLocaleString()} ${doneWord}, ${tally("refused").toLocaleString()} refused, ${tally("failed").toLocaleString()} failed.`}
          </Text>
          <ScrollArea.Autosize mah={360}>
            <Table striped withTableBorder aria-label={`Result per ${noun.one}`}>
              <Table.Thead>
                <Table.Tr>
                  {columns.map((column) => (
                    <Table.Th key={column.title}>{column.title}</Table.Th>
                  ))}
                  <Table.Th>Result</Table.Th>
                  <Table.Th>Reason</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {runRows.map(({ row, result }) => (
                  <Table.Tr key={idOf(row)}>
                    {columns.map((column) =>
                      column.code ? (
                        <Table.Td key={column.title} ff="monospace" style={{ whiteSpace: "nowrap" }}>
                          {column.render(row)}
                        </Table.Td>
                      ) : (
                        <Table.Td key={column.title}>{column.render(row)}</Table.Td>
                      ),
                    )}
                    <Table.Td style={{ whiteSpace: "nowrap" }}>
                      <Outcome result={result} />
                    </Table.Td>
                    <Table.Td>{reasonOf(result)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
          {phase === "finished" && (
            <Group justify="flex-end">
              <Button
                variant="default"
                leftSection={<IconDownload size={16} />}
                onClick={() => download(resultsFile, resultsCsv(runRows))}
              >
                Download results (CSV)
              </Button>
              {failedIds.length > 0 && (
                <Button variant="default" onClick={() => void run(failedIds)}>
                  Retry {countOf(failedIds.length, noun)} that failed
                </Button>
              )}
              <Button ref={closeRef} onClick={() => onClose(true)}>
                Close
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </Modal>
  );
}

/** The outcome as a word in a dark shade (plain text: a badge's label is clipped in a narrow cell). */
function Outcome({ result }: { result: BulkOutcome | undefined }) {
  const [label, color] = result
    ? { done: ["Done", "teal.9"], refused: ["Refused", "red.9"], failed: ["Failed", "orange.9"] }[
        result.outcome
      ]
    : ["Waiting", "gray.7"];
  return (
    <Text size="sm" fw={600} c={color}>
      {label}
    </Text>
  );
}
