import type { Action, BulkAction, BulkItemResult, LicenseSummary } from "@licensing/contracts";
import { Can, notifyError } from "@licensing/ui/kit";
import {
  Button,
  Group,
  Modal,
  NumberInput,
  Paper,
  Progress,
  ScrollArea,
  Stack,
  Table,
  Text,
  Textarea,
} from "@mantine/core";
import {
  IconBellRinging,
  IconCalendarPlus,
  IconDownload,
  IconListCheck,
  IconPlayerPause,
  IconPlayerPlay,
  IconX,
} from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { type LicenseQuery, licenseKeys, newIdempotencyKey } from "./api.ts";
import {
  allMatching,
  BULK_UI_MAX,
  type BulkParams,
  type BulkRow,
  download,
  resultsCsv,
  runBulk,
  selectionCsv,
} from "./bulk-run.ts";

interface Values {
  extendDays: number | string;
  notifyDays: number | string;
  reason: string;
}

interface BulkSpec {
  action: BulkAction;
  /** The right of the single action, which each item needs. */
  right: Action;
  label: string;
  /** "Renew" → "Renew 37 licenses?" */
  verb: string;
  /** "renewed" → "35 renewed, 2 refused". */
  done: string;
  icon: typeof IconCalendarPlus;
  color?: string;
  explain: string;
  reasonRequired: boolean;
  params: (values: Values) => BulkParams;
  validate: (values: Values) => Partial<Record<keyof Values, string>>;
}

const whole = (value: number | string, min: number, max: number) =>
  typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;

const reasonOf = (values: Values) => (values.reason.trim() ? { reason: values.reason.trim() } : {});

const specs: BulkSpec[] = [
  {
    action: "renew",
    right: "license.renew",
    label: "Renew…",
    verb: "Renew",
    done: "renewed",
    icon: IconCalendarPlus,
    explain:
      "Each license is extended from its current end (or from today if it has passed) and signed as a new version. Revoked licenses are refused.",
    reasonRequired: false,
    params: (v) => ({ extendDays: Number(v.extendDays), ...reasonOf(v) }),
    validate: (v) =>
      whole(v.extendDays, 1, 36_500) ? {} : { extendDays: "Enter a whole number of days from 1 to 36,500" },
  },
  {
    action: "notice",
    right: "license.renew",
    label: "Change notice days…",
    verb: "Change the notice days of",
    done: "changed",
    icon: IconBellRinging,
    explain:
      "How many days before its end each license counts as expiring (and appears in the digest). Each is signed as a new version; a window longer than the license is refused. Leave empty for the default.",
    reasonRequired: false,
    params: (v) => ({ notifyDays: v.notifyDays === "" ? null : Number(v.notifyDays), ...reasonOf(v) }),
    validate: (v) =>
      v.notifyDays === "" || whole(v.notifyDays, 0, 3650)
        ? {}
        : { notifyDays: "Enter a whole number of days from 0 to 3,650, or leave it empty" },
  },
  {
    action: "suspend",
    right: "license.suspend",
    label: "Suspend…",
    verb: "Suspend",
    done: "suspended",
    icon: IconPlayerPause,
    color: "orange",
    explain: "Products stop accepting them until they are reinstated. Only active licenses can be suspended.",
    reasonRequired: true,
    params: (v) => ({ reason: v.reason.trim() }),
    validate: (v) => (v.reason.trim().length >= 3 ? {} : { reason: "Say why (at least 3 characters)" }),
  },
  {
    action: "reinstate",
    right: "license.reinstate",
    label: "Reinstate…",
    verb: "Reinstate",
    done: "reinstated",
    icon: IconPlayerPlay,
    explain: "The suspensions end; the licenses work again until their end dates.",
    reasonRequired: false,
    params: reasonOf,
    validate: () => ({}),
  },
];

const plural = (n: number) => `${n.toLocaleString()} license${n === 1 ? "" : "s"}`;

/**
 * The bar above the licenses table while rows are selected: how many, "select all matching", the
 * actions the operator's role allows, export of the selection, and clearing it.
 */
export function BulkBar({
  selected,
  onSelect,
  query,
}: {
  selected: LicenseSummary[];
  onSelect: (licenses: LicenseSummary[]) => void;
  query: LicenseQuery;
}) {
  const [spec, setSpec] = useState<BulkSpec | null>(null);
  const [finding, setFinding] = useState(false);
  if (selected.length === 0) return null;
  const selectAll = async () => {
    setFinding(true);
    try {
      const all = await allMatching(query);
      if (all === "too-many")
        notifyError(
          new Error(
            `More than ${BULK_UI_MAX.toLocaleString()} licenses match. Narrow the filters and work in parts.`,
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
    <Paper withBorder p="xs" role="region" aria-label="Selected licenses">
      <Group justify="space-between" gap="xs">
        <Group gap="xs">
          <Text size="sm" fw={600} role="status">
            {plural(selected.length)} selected
          </Text>
          <Button
            variant="subtle"
            size="xs"
            leftSection={<IconListCheck size={14} />}
            loading={finding}
            onClick={selectAll}
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
        <Group gap="xs">
          {specs.map((s) => (
            <Can key={s.action} action={s.right}>
              <Button
                size="xs"
                variant={s.color ? "light" : "default"}
                color={s.color}
                leftSection={<s.icon size={14} />}
                onClick={() => setSpec(s)}
              >
                {s.label}
              </Button>
            </Can>
          ))}
          <Can action="license.export">
            <Button
              size="xs"
              variant="default"
              leftSection={<IconDownload size={14} />}
              onClick={() => download("licenses-selected.csv", selectionCsv(selected))}
            >
              Export selected
            </Button>
          </Can>
        </Group>
      </Group>
      {spec && (
        <BulkDialog
          spec={spec}
          licenses={selected}
          onClose={(finished) => {
            setSpec(null);
            if (finished) onSelect([]);
          }}
        />
      )}
    </Paper>
  );
}

type Phase = "form" | "running" | "finished";

/** Confirmation (naming the count and the action), then progress, then every license's result. */
function BulkDialog({
  spec,
  licenses,
  onClose,
}: {
  spec: BulkSpec;
  licenses: LicenseSummary[];
  onClose: (finished: boolean) => void;
}) {
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>({ extendDays: 365, notifyDays: "", reason: "" });
  const [errors, setErrors] = useState<Partial<Record<keyof Values, string>>>({});
  const [phase, setPhase] = useState<Phase>("form");
  const [results, setResults] = useState<Map<string, BulkItemResult>>(new Map());
  // How many licenses this run sends (all, or those that failed), and how many have come back.
  const [target, setTarget] = useState(licenses.length);
  const [processed, setProcessed] = useState(0);
  // One bulk id for the dialog: a retry of failed licenses never changes twice what was done.
  const bulkId = useRef(newIdempotencyKey().replace(/[^A-Za-z0-9_-]/g, "")).current;
  const params = useRef<BulkParams>({});
  // The confirmation button goes away once the run starts: the focus follows the progress, then the
  // way out, rather than falling to the page behind the dialog.
  const progressRef = useRef<HTMLParagraphElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (phase === "running") progressRef.current?.focus();
    if (phase === "finished") closeRef.current?.focus();
  }, [phase]);
  const count = licenses.length;

  const run = async (ids: string[]) => {
    setPhase("running");
    setTarget(ids.length);
    setProcessed(0);
    const before = new Map(results);
    for (const id of ids) before.delete(id);
    setResults(before);
    try {
      await runBulk(bulkId, spec.action, params.current, ids, (part) => {
        setProcessed(part.length);
        setResults(new Map([...before, ...part.map((r) => [r.id, r] as const)]));
      });
    } finally {
      setPhase("finished");
      void queryClient.invalidateQueries({ queryKey: licenseKeys.all });
    }
  };
  const confirm = (event: FormEvent) => {
    event.preventDefault();
    const found = spec.validate(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    params.current = spec.params(values);
    void run(licenses.map((l) => l.id));
  };

  const rows: BulkRow[] = licenses.map((license) => ({ license, result: results.get(license.id) }));
  const tally = (outcome: BulkItemResult["outcome"]) =>
    rows.filter((r) => r.result?.outcome === outcome).length;
  const failedIds = rows.filter((r) => r.result?.outcome === "failed").map((r) => r.license.id);
  const title =
    phase === "form"
      ? `${spec.verb} ${plural(count)}?`
      : phase === "running"
        ? `${spec.verb} ${plural(count)}`
        : `${spec.verb} ${plural(count)}: finished`;

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
            <Text size="sm">{spec.explain}</Text>
            {spec.action === "renew" && (
              <NumberInput
                label="Extend by (days)"
                min={1}
                max={36_500}
                allowDecimal={false}
                allowNegative={false}
                data-autofocus
                value={values.extendDays}
                error={errors.extendDays}
                onChange={(extendDays) => setValues({ ...values, extendDays })}
              />
            )}
            {spec.action === "notice" && (
              <NumberInput
                label="Notice days"
                description="Empty: the default notice window"
                min={0}
                max={3650}
                allowDecimal={false}
                allowNegative={false}
                data-autofocus
                value={values.notifyDays}
                error={errors.notifyDays}
                onChange={(notifyDays) => setValues({ ...values, notifyDays })}
              />
            )}
            <Textarea
              label="Reason"
              description={
                spec.reasonRequired
                  ? "Required; recorded in each license's audit trail"
                  : "Optional; recorded in each license's audit trail"
              }
              required={spec.reasonRequired}
              autosize
              minRows={2}
              data-autofocus={spec.action === "suspend" || spec.action === "reinstate" || undefined}
              value={values.reason}
              error={errors.reason}
              onChange={(event) => setValues({ ...values, reason: event.currentTarget.value })}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => onClose(false)}>
                Cancel
              </Button>
              <Button type="submit" color={spec.color}>
                {spec.verb} {plural(count)}
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
              : `${tally("done").toLocaleString()} ${spec.done}, ${tally("refused").toLocaleString()} refused, ${tally("failed").toLocaleString()} failed.`}
          </Text>
          <ScrollArea.Autosize mah={360}>
            <Table striped withTableBorder aria-label="Result per license">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Key</Table.Th>
                  <Table.Th>Account</Table.Th>
                  <Table.Th>Result</Table.Th>
                  <Table.Th>Reason</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map(({ license, result }) => (
                  <Table.Tr key={license.id}>
                    <Table.Td ff="monospace" style={{ whiteSpace: "nowrap" }}>
                      …-{license.keyHint}
                    </Table.Td>
                    <Table.Td>{license.accountName}</Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>
                      <Outcome result={result} />
                    </Table.Td>
                    <Table.Td>{result?.message ?? ""}</Table.Td>
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
                onClick={() => download(`bulk-${spec.action}-results.csv`, resultsCsv(rows))}
              >
                Download results (CSV)
              </Button>
              {failedIds.length > 0 && (
                <Button variant="default" onClick={() => void run(failedIds)}>
                  Retry {plural(failedIds.length)} that failed
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
function Outcome({ result }: { result: BulkItemResult | undefined }) {
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
