import { createLicenseRequest, type Preset, type Product } from "@licensing/contracts";
import {
  type ApiError,
  formError,
  isApiError,
  issuesToErrors,
  PageHeader,
  QueryError,
  useCan,
  zodValidate,
} from "@licensing/ui/kit";
import { Alert, Button, Card, Group, Loader, NumberInput, Stack, Text, Title, Tooltip } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconBolt, IconWand } from "@tabler/icons-react";
import { useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { useProducts } from "../products/api.ts";
import { usePresets } from "../settings/api.ts";
import { AccountPicker } from "./AccountPicker.tsx";
import { type Created, newIdempotencyKey, useCreateLicense, useQuickGenerate } from "./api.ts";
import { licenseSizeRule, sizeErrors, sizeField } from "./content-size.ts";
import { IssuedLicenses } from "./IssuedLicenses.tsx";
import { ParameterFields } from "./ParameterFields.tsx";
import {
  defaultsFrom,
  emptyParameters,
  type ParameterValues,
  toFieldErrors,
  valuesToParameters,
} from "./parameters.ts";

/** Batches above this are refused here: the issuer's answer for one must fit one NATS message. */
export const maxBatch = 100;

interface GeneratorValues extends ParameterValues {
  accountId: string;
  count: number | string;
}

function toRequest(values: GeneratorValues) {
  const { accountId, count } = values;
  return { ...valuesToParameters(values), accountId, count: count === "" ? count : Number(count) };
}

/** The kinds a role may create, commercial first. */
function useKinds(): ("commercial" | "test")[] {
  const commercial = useCan("license.create.commercial");
  const test = useCan("license.create.test");
  return [...(commercial ? (["commercial"] as const) : []), ...(test ? (["test"] as const) : [])];
}

export function GeneratorPage() {
  const products = useProducts();
  if (products.isPending) return <Loader />;
  if (products.error) return <QueryError error={products.error} retry={() => void products.refetch()} />;
  return <Generator products={products.data} />;
}

function Generator({ products }: { products: Product[] }) {
  const [params] = useSearchParams();
  const kinds = useKinds();
  const canInternal = useCan("license.create.internal");
  const create = useCreateLicense();
  const [result, setResult] = useState<Created | null>(null);
  // One idempotency key per distinct request: a double click (or a retry after a lost answer) sends
  // the same key and creates once; a changed form is another request with a key of its own.
  const sent = useRef({ body: "", key: "" });

  const only = products.length === 1 ? products[0] : undefined;
  const initial: GeneratorValues = {
    ...(only ? defaultsFrom(only, { ...emptyParameters, products: [only.code] }) : emptyParameters),
    accountId: params.get("accountId") ?? "",
    count: 1,
  };
  if (!kinds.includes(initial.kind)) initial.kind = kinds[0] ?? "test";
  const form = useForm<GeneratorValues>({
    initialValues: initial,
    validate: (values) => {
      const errors = {
        ...toFieldErrors(zodValidate(createLicenseRequest, toRequest)(values)),
        ...sizeErrors(licenseSizeRule, values),
      };
      if (values.endMode === "date" && !values.endDate) errors.endDate = "Pick an end date";
      if (Number(values.count) > maxBatch) errors.count = `At most ${maxBatch} at once`;
      return errors;
    },
  });

  const submit = (values: GeneratorValues) => {
    const body = toRequest(values);
    const text = JSON.stringify(body);
    if (sent.current.body !== text) sent.current = { body: text, key: newIdempotencyKey() };
    create.mutate(
      { ...body, count: Number(body.count), idempotencyKey: sent.current.key },
      {
        onSuccess: (created) => {
          setResult(created);
          sent.current = { body: "", key: "" };
        },
        onError: (error) => {
          if (isApiError(error, "validation_failed"))
            form.setErrors(toFieldErrors(issuesToErrors((error as ApiError).issues)));
          // Past the issuer's size limit: its message (naming the size and the limit) under the size.
          else if (isApiError(error, "payload_too_large")) form.setFieldError(sizeField, error.message);
        },
      },
    );
  };

  return (
    <Stack maw={1100}>
      <PageHeader
        title="License generator"
        description="Commercial, test and internal-use licenses for an account: every parameter, the main product's defaults filled in."
      />
      {result && <IssuedLicenses licenses={result.licenses} onAnother={() => setResult(null)} />}
      <Card withBorder>
        <AccountPicker
          required
          value={form.values.accountId}
          onChange={(id) => form.setFieldValue("accountId", id)}
          error={form.errors.accountId}
          description="The license's owner; its name and first contact go into the file"
        />
      </Card>
      <QuickGenerate accountId={form.values.accountId} kinds={kinds} onCreated={setResult} />
      <form onSubmit={form.onSubmit(submit)} noValidate>
        <Stack>
          {form.errors[formError] && (
            <Alert color="red" variant="light" role="alert">
              {form.errors[formError]}
            </Alert>
          )}
          {products.length === 0 ? (
            <Alert variant="light" title="No product yet">
              Define a product in Settings → Products first: a license is for one or more products.
            </Alert>
          ) : (
            <ParameterFields
              form={form}
              products={products}
              kinds={kinds}
              canInternal={canInternal}
              sizeRule={licenseSizeRule}
            />
          )}
          <Group justify="flex-end" align="flex-end">
            <NumberInput
              label="How many"
              description={`Identical licenses, all or none (at most ${maxBatch})`}
              min={1}
              max={maxBatch}
              allowDecimal={false}
              allowNegative={false}
              w={220}
              {...form.getInputProps("count")}
            />
            <Button type="submit" leftSection={<IconWand size={16} />} loading={create.isPending}>
              {Number(form.values.count) > 1 ? `Generate ${form.values.count} licenses` : "Generate license"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}

/** A preset's kind and internal flag as the operator's roles allow them (the issuer checks anyway). */
function allowed(preset: Preset, kinds: string[], canInternal: boolean): boolean {
  if (preset.parameters.internal && !canInternal) return false;
  return preset.parameters.kind === undefined || kinds.includes(preset.parameters.kind);
}

function QuickGenerate({
  accountId,
  kinds,
  onCreated,
}: {
  accountId: string;
  kinds: string[];
  onCreated: (created: Created) => void;
}) {
  const presets = usePresets();
  const canInternal = useCan("license.create.internal");
  const quick = useQuickGenerate();
  // As for the form: one key per preset and account until it has answered.
  const keys = useRef(new Map<string, string>());
  const usable = (presets.data ?? []).filter((p) => allowed(p, kinds, canInternal));
  if (presets.isPending || usable.length === 0) return null;
  const run = (preset: Preset) => {
    const pair = `${preset.id}/${accountId}`;
    const idempotencyKey = keys.current.get(pair) ?? newIdempotencyKey();
    keys.current.set(pair, idempotencyKey);
    quick.mutate(
      { presetId: preset.id, accountId, idempotencyKey },
      {
        onSuccess: (created) => {
          keys.current.delete(pair);
          onCreated(created);
        },
      },
    );
  };
  return (
    <Card withBorder>
      <Title order={3} size="h5">
        Quick generate
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        One license for the account above from a preset, in one click.
      </Text>
      <Group gap="xs">
        {usable.map((preset) => (
          <Tooltip key={preset.id} label={preset.description || preset.name} disabled={!preset.description}>
            <Button
              variant="light"
              leftSection={<IconBolt size={16} />}
              disabled={!accountId || quick.isPending}
              loading={quick.isPending && quick.variables?.presetId === preset.id}
              onClick={() => run(preset)}
            >
              {preset.name}
            </Button>
          </Tooltip>
        ))}
        {!accountId && (
          <Text size="xs" c="dimmed">
            Choose an account first.
          </Text>
        )}
      </Group>
    </Card>
  );
}
