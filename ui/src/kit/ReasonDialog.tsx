import { Button, Group, Textarea, type TextareaProps } from "@mantine/core";

/**
 * The reason of a change an operator makes (suspend, yank, revoke…): labelled "Reason", saying
 * whether it is required and where it is kept (`kept`, e.g. "recorded in the audit trail").
 */
export function ReasonField({
  kept,
  required = false,
  ...textarea
}: Omit<TextareaProps, "label" | "description"> & { kept: string; required?: boolean }) {
  return (
    <Textarea
      label="Reason"
      description={`${required ? "Required" : "Optional"}; ${kept}`}
      required={required}
      autosize
      minRows={2}
      {...textarea}
    />
  );
}

/** A dialog's closing row: Cancel, and the button that makes the change (submits the dialog's form). */
export function DialogActions({
  onCancel,
  confirmLabel,
  color,
  loading,
  onConfirm,
}: {
  onCancel: () => void;
  confirmLabel: string;
  color?: string;
  loading?: boolean;
  /** Without it the button submits the dialog's form. */
  onConfirm?: () => void;
}) {
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onCancel}>
        Cancel
      </Button>
      <Button
        type={onConfirm ? "button" : "submit"}
        color={color}
        loading={loading}
        {...(onConfirm ? { onClick: onConfirm } : {})}
      >
        {confirmLabel}
      </Button>
    </Group>
  );
}
