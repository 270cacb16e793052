import "@mantine/dates/styles.css";
import { issuer, type LicenseDetail } from "@licensing/contracts";
import {
  applyServerErrors,
  Can,
  DialogActions,
  formatDate,
  notifySuccess,
  ReasonField,
  zodValidate,
} from "@licensing/ui/kit";
import { Button, Modal, NumberInput, SegmentedControl, Stack, Text } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import {
  IconBan,
  IconCalendar,
  IconCalendarPlus,
  IconPlayerPause,
  IconPlayerPlay,
  IconRefresh,
} from "@tabler/icons-react";
import { useRef } from "react";
import type { z } from "zod";
import { type LifecycleVerb, newIdempotencyKey, useLifecycle } from "./api.ts";
import { startOfDay } from "./filters.ts";

interface Values {
  reason: string;
  /** Renewal only. */
  how: "extend" | "date" | "none";
  extendDays: number | string;
  endDate: string | null;
}

interface ActionSpec {
  verb: LifecycleVerb;
  label: string;
  action: "license.renew" | "license.reissue" | "license.suspend" | "license.reinstate" | "license.revoke";
  color?: string;
  icon: typeof IconBan;
  title: (l: LicenseDetail) => string;
  message: (l: LicenseDetail) => string;
  reasonRequired: boolean;
  done: string;
  shown: (l: LicenseDetail) => boolean;
}

const specs: ActionSpec[] = [
  {
    verb: "renew",
    label: "Renew",
    action: "license.renew",
    icon: IconCalendarPlus,
    title: () => "Renew this license?",
    message: (l) =>
      `It ends ${l.endDate ? `on ${formatDate(l.endDate)}` : "never"} now. Renewing signs a new version (serial ${l.serial + 1}) with the new end; the customer downloads the new file.`,
    reasonRequired: false,
    done: "The license was renewed: a new version is signed.",
    shown: (l) => l.state !== "revoked",
  },
  {
    verb: "reissue",
    label: "Re-issue",
    action: "license.reissue",
    icon: IconRefresh,
    title: () => "Re-issue this license?",
    message: (l) =>
      `Signs it again, unchanged, with the current signing key: version ${l.serial + 1}. Use it after a key rotation or a lost file.`,
    reasonRequired: false,
    done: "The license was re-issued.",
    shown: (l) => l.state !== "revoked",
  },
  {
    verb: "suspend",
    label: "Suspend",
    action: "license.suspend",
    color: "orange",
    icon: IconPlayerPause,
    title: () => "Suspend this license?",
    message: () =>
      "Products stop accepting it until it is reinstated. Say why: the reason is in the audit trail.",
    reasonRequired: true,
    done: "The license is suspended.",
    shown: (l) => l.state === "active",
  },
  {
    verb: "reinstate",
    label: "Reinstate",
    action: "license.reinstate",
    icon: IconPlayerPlay,
    title: () => "Reinstate this license?",
    message: () => "The suspension ends; the license works again until its end date.",
    reasonRequired: false,
    done: "The license is reinstated.",
    shown: (l) => l.state === "suspended",
  },
  {
    verb: "revoke",
    label: "Revoke",
    action: "license.revoke",
    color: "red",
    icon: IconBan,
    title: () => "Revoke this license for good?",
    message: () =>
      "A revoked license never works again and cannot be reinstated or renewed. Say why: the reason is in the audit trail.",
    reasonRequired: true,
    done: "The license is revoked.",
    shown: (l) => l.state !== "revoked",
  },
];

/** The changes an operator may make to a license, each behind a confirmation; only their role's. */
export function LifecycleActions({ license }: { license: LicenseDetail }) {
  return (
    <>
      {specs
        .filter((spec) => spec.shown(license))
        .map((spec) => (
          <Can key={spec.verb} action={spec.action}>
            <ActionButton spec={spec} license={license} />
          </Can>
        ))}
    </>
  );
}

/** What each change's body must be: the issuer's request without the id (the path carries it). */
const bodySchemas: Record<LifecycleVerb, z.ZodType> = {
  renew: issuer.renew.request.omit({ id: true }),
  reissue: issuer.reissue.request.omit({ id: true }),
  suspend: issuer.suspend.request.omit({ id: true }),
  reinstate: issuer.reinstate.request.omit({ id: true }),
  revoke: issuer.revoke.request.omit({ id: true }),
};

function toBody(spec: ActionSpec, values: Values) {
  const reason = values.reason.trim();
  const body: Record<string, unknown> = spec.reasonRequired || reason ? { reason } : {};
  if (spec.verb === "renew") {
    if (values.how === "extend") body.extendDays = values.extendDays === "" ? "" : Number(values.extendDays);
    else if (values.how === "none") body.endDate = null;
    else body.endDate = values.endDate ? startOfDay(values.endDate) : "";
  }
  return body;
}

function ActionButton({ spec, license }: { spec: ActionSpec; license: LicenseDetail }) {
  const [opened, { open, close }] = useDisclosure(false);
  const change = useLifecycle(license.id, spec.verb);
  // One key per opening of the dialog: a double click on Confirm renews once.
  const key = useRef("");
  const schema = bodySchemas[spec.verb];
  const form = useForm<Values>({
    initialValues: { reason: "", how: "extend", extendDays: 365, endDate: null },
    validate: (values) => {
      const errors = zodValidate(schema, (v: Values) => toBody(spec, v))(values);
      if (spec.verb === "renew" && values.how === "date" && !values.endDate)
        errors.endDate = "Pick the new end date";
      return errors;
    },
  });
  const start = () => {
    form.reset();
    key.current = newIdempotencyKey();
    open();
  };
  const submit = (values: Values) => {
    const body = toBody(spec, values);
    if (spec.verb === "renew" || spec.verb === "reissue") body.idempotencyKey = key.current;
    change.mutate(body, {
      onSuccess: () => {
        notifySuccess(spec.done);
        close();
      },
      onError: (error) => applyServerErrors(form, error),
    });
  };
  const Icon = spec.icon;
  return (
    <>
      <Button
        variant={spec.color ? "light" : "default"}
        color={spec.color}
        leftSection={<Icon size={16} />}
        onClick={start}
      >
        {spec.label}
      </Button>
      <Modal opened={opened} onClose={close} title={spec.title(license)} centered size="lg">
        <form onSubmit={form.onSubmit(submit)} noValidate>
          <Stack>
            <Text size="sm">{spec.message(license)}</Text>
            {spec.verb === "renew" && (
              <>
                <SegmentedControl
                  aria-label="How to renew"
                  data={[
                    { value: "extend", label: "Extend by days" },
                    { value: "date", label: "New end date" },
                    { value: "none", label: "No end" },
                  ]}
                  {...form.getInputProps("how")}
                />
                {form.values.how === "extend" && (
                  <NumberInput
                    label="Extend by (days)"
                    description="From the current end (or from today if it has passed)"
                    min={1}
                    max={36_500}
                    allowDecimal={false}
                    allowNegative={false}
                    data-autofocus
                    {...form.getInputProps("extendDays")}
                  />
                )}
                {form.values.how === "date" && (
                  <DatePickerInput
                    label="New end date"
                    leftSection={<IconCalendar size={16} />}
                    {...form.getInputProps("endDate")}
                  />
                )}
              </>
            )}
            <ReasonField
              kept="recorded in the audit trail"
              required={spec.reasonRequired}
              data-autofocus={spec.verb !== "renew" || undefined}
              {...form.getInputProps("reason")}
            />
            <DialogActions
              onCancel={close}
              confirmLabel={spec.label}
              color={spec.color}
              loading={change.isPending}
            />
          </Stack>
        </form>
      </Modal>
    </>
  );
}
