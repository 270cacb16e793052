import { delegation } from "@licensing/contracts";
import { applyServerErrors, DialogActions, notifySuccess, ReasonField, zodValidate } from "@licensing/ui/kit";
import { Stack, Text } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconBan } from "@tabler/icons-react";
import { useState } from "react";
import { ActionDialog, Refusal } from "./ActionDialog.tsx";
import { useRevokeDelegation } from "./api.ts";
import type { DelegationLicense } from "./DelegationPanel.tsx";

const revokeBody = delegation.revoke.request.omit({ licenseId: true });

/** Revokes the cockpit's delegation, with a reason recorded. */
export function RevokeDelegation({ license }: { license: DelegationLicense }) {
  const revoke = useRevokeDelegation(license.id);
  const [placed, setPlaced] = useState(false);
  const form = useForm({
    initialValues: { reason: "" },
    validate: zodValidate(revokeBody, (v: { reason: string }) => ({ reason: v.reason.trim() })),
  });
  const submit = (values: { reason: string }, close: () => void) =>
    revoke.mutate(
      { reason: values.reason.trim() },
      {
        onSuccess: () => {
          notifySuccess("The fleet delegation is revoked.");
          close();
        },
        onError: (error) => setPlaced(applyServerErrors(form, error)),
      },
    );
  return (
    <ActionDialog
      label="Revoke delegation"
      title={`Revoke the fleet delegation of ${license.label}?`}
      icon={<IconBan size={16} />}
      color="red"
      onOpen={() => {
        form.reset();
        revoke.reset();
      }}
    >
      {(close) => (
        <form onSubmit={form.onSubmit((values) => submit(values, close))} noValidate>
          <Stack>
            <Text size="sm">
              The cockpit of {license.label} gets no new certificate, and its key is listed as revoked for the
              account: collectors refuse the leases it signs. The license itself stays as it is. Say why: the
              reason is recorded with your name.
            </Text>
            <ReasonField
              kept="recorded with your name"
              required
              data-autofocus
              {...form.getInputProps("reason")}
            />
            {revoke.error && !placed && (
              <Refusal error={revoke.error} title="The delegation was not revoked" />
            )}
            <DialogActions
              onCancel={close}
              confirmLabel="Revoke delegation"
              color="red"
              loading={revoke.isPending}
            />
          </Stack>
        </form>
      )}
    </ActionDialog>
  );
}
