import {
  ActionIcon,
  Button,
  Checkbox,
  Group,
  NumberInput,
  Select,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import type { UseFormReturnType } from "@mantine/form";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useProducts } from "./api.ts";
import type { ProductFormValues } from "./form-values.ts";

type ListPath = "executionModes" | "customFeatures" | "unitsTypes";

/** An editable list of codes and names (execution modes, custom features, units types). */
export function NamedCodeList({
  form,
  path,
  label,
  description,
  itemLabel,
  readOnly,
}: {
  form: UseFormReturnType<ProductFormValues>;
  path: ListPath;
  label: string;
  description: string;
  itemLabel: string;
  readOnly: boolean;
}) {
  const items = form.values[path];
  const listError = form.errors[path];
  return (
    <Stack gap="xs" role="group" aria-labelledby={`${path}-label`}>
      <Group justify="space-between">
        <div>
          <Text fw={600} id={`${path}-label`}>
            {label}
          </Text>
          <Text size="xs" c="dimmed">
            {description}
          </Text>
        </div>
        {!readOnly && (
          <Button
            size="xs"
            variant="light"
            leftSection={<IconPlus size={14} />}
            onClick={() => form.insertListItem(path, { code: "", name: "" })}
          >
            Add {itemLabel}
          </Button>
        )}
      </Group>
      {listError && (
        <Text c="red" size="sm" role="alert">
          {listError}
        </Text>
      )}
      {items.length === 0 && (
        <Text size="sm" c="dimmed">
          None.
        </Text>
      )}
      {items.map((_, index) => (
        // Items are identified by position while they are edited (their code may be what changes).
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Group key={index} align="flex-start" wrap="nowrap">
          <TextInput
            label="Code"
            aria-label={`${itemLabel} ${index + 1} code`}
            placeholder="e.g. offline"
            required
            w={220}
            styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
            {...form.getInputProps(`${path}.${index}.code`)}
          />
          <TextInput
            label="Name"
            aria-label={`${itemLabel} ${index + 1} name`}
            required
            style={{ flex: 1 }}
            {...form.getInputProps(`${path}.${index}.name`)}
          />
          {!readOnly && (
            <ActionIcon
              variant="subtle"
              color="red"
              mt={28}
              aria-label={`Remove ${itemLabel} ${index + 1}`}
              onClick={() => form.removeListItem(path, index)}
            >
              <IconTrash size={16} />
            </ActionIcon>
          )}
        </Group>
      ))}
    </Stack>
  );
}

/**
 * A whole number with a checkbox for its "no limit" value (`-1` for unlimited units, `null` for no
 * end date), which reads better than asking operators to type -1.
 */
export function LimitInput({
  label,
  description,
  offLabel,
  offValue,
  onValue,
  min,
  max,
  value,
  onChange,
  error,
}: {
  label: string;
  description?: ReactNode;
  offLabel: string;
  offValue: number | null;
  /** What the number becomes when the checkbox is cleared. */
  onValue: number;
  min: number;
  max?: number;
  value?: number | string | null;
  onChange: (value: number | string | null) => void;
  error?: ReactNode;
}) {
  const off = value === offValue;
  return (
    <Stack gap={6}>
      <NumberInput
        label={label}
        description={description}
        value={off || value === null || value === undefined ? "" : value}
        onChange={onChange}
        disabled={off}
        min={min}
        max={max}
        clampBehavior={max === undefined ? "blur" : "strict"}
        allowDecimal={false}
        allowNegative={false}
        thousandSeparator=" "
        error={error}
      />
      <Checkbox
        size="xs"
        label={offLabel}
        checked={off}
        onChange={(event) => onChange(event.currentTarget.checked ? offValue : onValue)}
      />
    </Stack>
  );
}

/** A filter on one product of the catalog ("Any" when cleared). */
export function ProductFilter({
  value,
  onChange,
  w,
}: {
  value: string;
  onChange: (product: string) => void;
  w?: number;
}) {
  const products = useProducts();
  return (
    <Select
      label="Product"
      placeholder="Any"
      clearable
      searchable
      w={w}
      data={(products.data ?? []).map((p) => ({ value: p.code, label: p.name }))}
      value={value || null}
      onChange={(product) => onChange(product ?? "")}
    />
  );
}
