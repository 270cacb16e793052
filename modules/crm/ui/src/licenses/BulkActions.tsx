import type { Action, BulkAction, LicenseSummary } from "@licensing/contracts";
import { Can, ReasonField } from "@licensing/ui/kit";
import { Button, NumberInput, Text } from "@mantine/core";
import {
  IconBellRinging,
  IconCalendarPlus,
  IconDownload,
  IconPlayerPause,
  IconPlayerPlay,
} from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { BulkRunDialog, SelectionBar } from "../bulk/BulkSelection.tsx";
import type { Noun } from "../bulk/bulk-kit.ts";
import { type LicenseQuery, licenseKeys } from "./api.ts";
import { allMatching, type BulkParams, download, resultsCsv, runBulk, selectionCsv } from "./bulk-run.ts";

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

const licenses: Noun = { one: "license", many: "licenses" };

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
  return (
    <>
      <SelectionBar
        noun={licenses}
        selected={selected}
        onSelect={onSelect}
        selectAll={() => allMatching(query)}
      >
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
      </SelectionBar>
      {spec && selected.length > 0 && (
        <BulkDialog
          spec={spec}
          licenses={selected}
          onClose={(finished) => {
            setSpec(null);
            if (finished) onSelect([]);
          }}
        />
      )}
    </>
  );
}

/** The action's fields, inside the shared confirmation, progress and per-license results. */
function BulkDialog({
  spec,
  licenses: rows,
  onClose,
}: {
  spec: BulkSpec;
  licenses: LicenseSummary[];
  onClose: (finished: boolean) => void;
}) {
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Values>({ extendDays: 365, notifyDays: "", reason: "" });
  const [errors, setErrors] = useState<Partial<Record<keyof Values, string>>>({});
  const params = useRef<BulkParams>({});
  const confirm = () => {
    const found = spec.validate(values);
    setErrors(found);
    if (Object.keys(found).length > 0) return false;
    params.current = spec.params(values);
    return true;
  };
  return (
    <BulkRunDialog
      noun={licenses}
      rows={rows}
      idOf={(license) => license.id}
      phrase={(count) => `${spec.verb} ${count}`}
      doneWord={spec.done}
      color={spec.color}
      columns={[
        { title: "Key", render: (license) => `…-${license.keyHint}`, code: true },
        { title: "Account", render: (license) => license.accountName },
      ]}
      onConfirm={confirm}
      send={(bulkId, ids, onPart) => runBulk(bulkId, spec.action, params.current, ids, onPart)}
      onRan={() => void queryClient.invalidateQueries({ queryKey: licenseKeys.all })}
      resultsCsv={(run) => resultsCsv(run.map(({ row, result }) => ({ license: row, result })))}
      resultsFile={`bulk-${spec.action}-results.csv`}
      onClose={onClose}
    >
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
      <ReasonField
        kept="recorded in each license's audit trail"
        required={spec.reasonRequired}
        data-autofocus={spec.action === "suspend" || spec.action === "reinstate" || undefined}
        value={values.reason}
        error={errors.reason}
        onChange={(event) => setValues({ ...values, reason: event.currentTarget.value })}
      />
    </BulkRunDialog>
  );
}
