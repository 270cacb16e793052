import "@mantine/dates/styles.css";
import type { LicenseKind, Product } from "@licensing/contracts";
import {
  Autocomplete,
  Card,
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import type { UseFormReturnType } from "@mantine/form";
import { IconCalendar } from "@tabler/icons-react";
import { LimitInput } from "../products/fields.tsx";
import { ContentSize } from "./ContentSize.tsx";
import type { SizeRule } from "./content-size.ts";
import { MetadataField, RestrictionsField } from "./KeyValueFields.tsx";
import { defaultsFrom, longestNotice, offeredOptions, type ParameterValues, withKind } from "./parameters.ts";

// The license parameters, every one of the model's (docs/architecture.md), as the generator and the presets
// edit them. Modes, features and units types offer only what the chosen products offer.

interface ParameterFieldsProps<V extends ParameterValues> {
  form: UseFormReturnType<V>;
  products: Product[];
  /** The kinds the operator may create (a role without commercial sees test only). */
  kinds: ("commercial" | "test")[];
  /** Shown only to roles holding `license.create.internal`. */
  canInternal: boolean;
  /** The size limit of what the form sends (a license's content, a preset's parameters). */
  sizeRule: SizeRule;
  /**
   * Amending an existing license (docs/ui.md, "Amending and cloning a license"): only what an
   * amendment may change is editable; the license's own products stay (more may be added), and its
   * kind, internal use, type, start, units type, fingerprint and encryption are shown, not changed.
   */
  amending?: { products: string[] };
}

const licenseTypes = ["subscription", "perpetual", "trial", "evaluation", "partner", "internal"];

export function ParameterFields<V extends ParameterValues>({
  form,
  products,
  kinds,
  canInternal,
  sizeRule,
  amending,
}: ParameterFieldsProps<V>) {
  const fixed = amending !== undefined;
  // The form's own type is wider than ParameterValues; these fields only touch the parameters.
  const f = form as unknown as UseFormReturnType<ParameterValues>;
  const values = f.values;
  const chosen = values.products
    .map((code) => products.find((p) => p.code === code))
    .filter((p): p is Product => p !== undefined);
  const main = chosen[0];

  const setProducts = (picked: string[]) => {
    // An amendment adds products: the license's own stay, in their order, the main one first.
    const codes = amending
      ? [...amending.products, ...picked.filter((code) => !amending.products.includes(code))]
      : picked;
    const newMain = products.find((p) => p.code === codes[0]);
    // A new main product brings its catalog defaults (the issuer would apply the same).
    if (newMain && codes[0] !== values.products[0]) {
      const filled = defaultsFrom(newMain, { ...values, products: codes });
      f.setValues(kinds.includes(filled.kind) ? filled : withKind(newMain, filled, kinds[0]!));
    } else f.setFieldValue("products", codes);
  };

  return (
    <Stack>
      <Card withBorder>
        <Stack>
          <MultiSelect
            label="Products"
            description={
              amending
                ? `Add products; the license keeps its own (${amending.products.join(", ")}), the first the main one`
                : main
                  ? `The first is the main product: ${main.name}'s catalog defaults filled the fields below`
                  : "The first one chosen is the main product; its catalog defaults fill the fields below"
            }
            placeholder={values.products.length ? undefined : "Choose products"}
            data={products.map((p) => ({ value: p.code, label: `${p.name} (${p.code})` }))}
            searchable
            required
            {...f.getInputProps("products")}
            onChange={setProducts}
          />
          <Group align="flex-end" gap="xl">
            <Stack gap={4}>
              <Text size="sm" fw={500} id="kind-label">
                Kind
              </Text>
              <SegmentedControl
                aria-labelledby="kind-label"
                data={[
                  { value: "commercial", label: "Commercial", disabled: !kinds.includes("commercial") },
                  { value: "test", label: "Test", disabled: !kinds.includes("test") },
                ]}
                disabled={fixed}
                {...f.getInputProps("kind")}
                onChange={(kind) => f.setValues(withKind(main, values, kind as LicenseKind))}
              />
            </Stack>
            {canInternal && (
              <Switch
                disabled={fixed}
                label="Internal use"
                description="For the company's own staff and systems"
                {...f.getInputProps("internal", { type: "checkbox" })}
              />
            )}
            <Autocomplete
              label="License type (informational)"
              description="Informational; empty: trial, subscription or perpetual from kind and end"
              data={licenseTypes}
              disabled={fixed}
              w={280}
              {...f.getInputProps("licenseType")}
            />
          </Group>
        </Stack>
      </Card>

      <Card withBorder>
        <Title order={2} size="h5" mb="sm">
          Validity
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <DatePickerInput
            label="Start date"
            placeholder="When the license is created"
            leftSection={<IconCalendar size={16} />}
            clearable
            disabled={fixed}
            {...f.getInputProps("startDate")}
          />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="end-label">
              End
            </Text>
            <SegmentedControl
              aria-labelledby="end-label"
              data={[
                // An amendment gives the new end as a date (a duration would count from the start).
                ...(fixed ? [] : [{ value: "duration", label: "Duration" }]),
                { value: "date", label: "End date" },
                { value: "none", label: "No end" },
              ]}
              {...f.getInputProps("endMode")}
            />
          </Stack>
          {values.endMode === "duration" && (
            <NumberInput
              label="Duration (days)"
              description="From the start date"
              min={1}
              max={36_500}
              allowDecimal={false}
              allowNegative={false}
              {...f.getInputProps("durationDays")}
              onBlur={() => {
                // The notice never outlasts the license: a shorter duration shortens it too (once the
                // duration is typed: "14" passes through "1").
                const days = values.durationDays;
                if (
                  typeof days === "number" &&
                  typeof values.notifyDays === "number" &&
                  values.notifyDays > days
                )
                  f.setFieldValue("notifyDays", days);
              }}
            />
          )}
          {values.endMode === "date" && (
            <DatePickerInput
              label="End date"
              description="The license ends as this day starts"
              leftSection={<IconCalendar size={16} />}
              {...f.getInputProps("endDate")}
            />
          )}
          {values.endMode === "none" && (
            <Text size="sm" c="dimmed" mt={28}>
              Perpetual: the license never expires.
            </Text>
          )}
          <LimitInput
            label="Notice (days before the end)"
            description="When the expiry digest starts listing it"
            offLabel="The notifier's default"
            offValue={null}
            onValue={Math.min(30, longestNotice(values) ?? 30)}
            min={0}
            max={longestNotice(values)}
            {...f.getInputProps("notifyDays")}
          />
        </SimpleGrid>
      </Card>

      <Card withBorder>
        <Title order={2} size="h5" mb="sm">
          Usage and machines
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Units type"
            placeholder={main ? "Choose" : "Choose a product first"}
            data={offeredOptions(chosen, "unitsTypes", values.unitsType ? [values.unitsType] : [])}
            clearable
            disabled={fixed}
            {...f.getInputProps("unitsType")}
          />
          <LimitInput
            label="Accumulated units"
            description="Units the license allows in total"
            offLabel="Unlimited (-1)"
            offValue={-1}
            onValue={1000}
            min={0}
            {...f.getInputProps("accumulatedUnits")}
          />
          <LimitInput
            label="Units per execution"
            description="Most one execution may use"
            offLabel="No limit (-1)"
            offValue={-1}
            onValue={100}
            min={0}
            {...f.getInputProps("unitsPerExecution")}
          />
          <LimitInput
            label="Available activations"
            description="Machines that may activate it"
            offLabel="Unlimited (-1)"
            offValue={-1}
            onValue={1}
            min={0}
            {...f.getInputProps("availableActivations")}
          />
          <LimitInput
            label="Seats"
            description="Collectors a cockpit license covers at once; 0 for none"
            offLabel="Unlimited (-1)"
            offValue={-1}
            onValue={0}
            min={0}
            {...f.getInputProps("seats")}
          />
          <TextInput
            label="Fingerprint"
            description="Binds the license to one machine; empty for any"
            disabled={fixed}
            styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
            {...f.getInputProps("fingerprint")}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }} mt="md">
          <MultiSelect
            label="Execution modes"
            placeholder={main ? "Choose modes" : "Choose a product first"}
            data={offeredOptions(chosen, "executionModes", values.executionModes)}
            searchable
            clearable
            {...f.getInputProps("executionModes")}
          />
          <MultiSelect
            label="Custom features"
            placeholder={main ? "Choose features" : "Choose a product first"}
            data={offeredOptions(chosen, "customFeatures", values.customFeatures)}
            searchable
            clearable
            {...f.getInputProps("customFeatures")}
          />
        </SimpleGrid>
      </Card>

      <Card withBorder>
        <Stack>
          <MetadataField form={f} />
          <RestrictionsField form={f} />
          <Checkbox
            label="Encrypt the file"
            description="Only someone holding the license key can read it (AES-256-GCM, key derived from the license key)"
            disabled={fixed}
            {...f.getInputProps("encrypted", { type: "checkbox" })}
          />
          <ContentSize form={f} rule={sizeRule} />
        </Stack>
      </Card>
    </Stack>
  );
}
