import { createLicenseRequest, type LicenseDetail, type Preset, type Product } from "@licensing/contracts";
import {
  type ApiError,
  formError,
  isApiError,
  issuesToErrors,
  missing,
  PageHeader,
  QueryError,
  reveal,
  revealFirstError,
  useCan,
  zodValidate,
} from "@licensing/ui/kit";
import {
  Alert,
  Anchor,
  Button,
  Card,
  Fieldset,
  Group,
  Loader,
  NumberInput,
  Stack,
  Text,
  Title,
  Tooltip,
  VisuallyHidden,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconBolt, IconWand } from "@tabler/icons-react";
import { useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useProducts } from "../products/api.ts";
import { usePresets } from "../settings/api.ts";
import { AccountPicker } from "./AccountPicker.tsx";
import { cloneValues } from "./amendment.ts";
import {
  type Created,
  newIdempotencyKey,
  useCloneSource,
  useCreateLicense,
  useQuickGenerate,
} from "./api.ts";
import { licenseSizeRule, sizeErrors, sizeField } from "./content-size.ts";
import { IssuedLicenses } from "./IssuedLicenses.tsx";
import { ParameterFields } from "./ParameterFields.tsx";
import {
  defaultsFrom,
  emptyParameters,
  noticeError,
  type ParameterValues,
  toFieldErrors,
  valuesToParameters,
  withKind,
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
  // "Clone as new license" opens the generator with `?from=<license id>`: the form starts from it.
  const [params] = useSearchParams();
  const from = params.get("from");
  const source = useCloneSource(from);
  if (products.isPending || (from && source.isPending)) return <Loader />;
  if (products.error) return <QueryError error={products.error} retry={() => void products.refetch()} />;
  if (source.error)
    return <QueryError error={source.error} retry={() => void source.refetch()} missing={missing.license} />;
  return <Generator key={from ?? ""} products={products.data} source={source.data} />;
}

function Generator({ products, source }: { products: Product[]; source?: LicenseDetail | undefined }) {
  const [params] = useSearchParams();
  const kinds = useKinds();
  const canInternal = useCan("license.create.internal");
  const create = useCreateLicense();
  const [result, setResult] = useState<Created | null>(null);
  // One idempotency key per form fill: a double click (or a retry after a lost answer) sends the same
  // key and creates once. A fill changed after a refusal is another request with a key of its own (the
  // issuer refuses a key reused for other content); after a success the form is locked until
  // "Generate another" starts a new fill.
  const sent = useRef({ body: "", key: "" });
  // The outcome of a submission is shown where the user looks: the focus moves to the result, or to
  // the first field in error (else the error summary), and the live region says what happened.
  const [announcement, setAnnouncement] = useState("");
  const [focusAsked, setFocusAsked] = useState<{ target: "result" | "error" | "form"; n: number }>();
  const page = useRef<HTMLDivElement>(null);
  const resultPanel = useRef<HTMLDivElement>(null);
  const summary = useRef<HTMLDivElement>(null);
  const formStart = useRef<HTMLFieldSetElement>(null);
  const askFocus = (target: "result" | "error" | "form") =>
    setFocusAsked((last) => ({ target, n: (last?.n ?? 0) + 1 }));
  useEffect(() => {
    if (focusAsked?.target === "result") reveal(resultPanel.current);
    else if (focusAsked?.target === "error") revealFirstError(page.current, summary.current);
    else if (focusAsked?.target === "form") reveal(formStart.current?.querySelector<HTMLElement>("input"));
  }, [focusAsked]);
  const locked = result !== null;

  const only = products.length === 1 ? products[0] : undefined;
  const filled = source
    ? { ...cloneValues(source), internal: source.internal && canInternal }
    : only
      ? defaultsFrom(only, { ...emptyParameters, products: [only.code] })
      : emptyParameters;
  const main = products.find((p) => p.code === filled.products[0]);
  const initial: GeneratorValues = {
    // A role that may not create the product's kind starts from the other kind's defaults.
    ...(kinds.includes(filled.kind) ? filled : withKind(main, filled, kinds[0] ?? "test")),
    accountId: params.get("accountId") ?? source?.accountId ?? "",
    count: 1,
  };
  const form = useForm<GeneratorValues>({
    initialValues: initial,
    validate: (values) => {
      const errors = {
        ...toFieldErrors(zodValidate(createLicenseRequest, toRequest)(values)),
        ...sizeErrors(licenseSizeRule, values),
      };
      if (values.endMode === "date" && !values.endDate) errors.endDate = "Pick an end date";
      const notice = noticeError(values);
      if (notice) errors.notifyDays = notice;
      if (Number(values.count) > maxBatch) errors.count = `At most ${maxBatch} at once`;
      return errors;
    },
  });

  const created = (answer: Created) => {
    setResult(answer);
    const [first] = answer.licenses;
    setAnnouncement(
      answer.licenses.length === 1
        ? `The license for ${first?.license.accountName} is ready: copy its key now, it is shown only once.`
        : `${answer.licenses.length} licenses are ready: copy their keys now, they are shown only once.`,
    );
    askFocus("result");
  };
  const refused = (reason: string) => {
    setAnnouncement(`The license was not created: ${reason}`);
    askFocus("error");
  };
  const invalid = (errors: Record<string, unknown>) => {
    const { [formError]: whole, ...fields } = errors;
    const count = Object.keys(fields).length;
    if (count === 0) refused(String(whole ?? "the request was refused."));
    else refused(count === 1 ? "one field needs correcting." : `${count} fields need correcting.`);
  };
  const another = () => {
    // A new fill for the same account: an operator often issues several for one customer.
    const { accountId } = form.values;
    form.reset();
    form.setFieldValue("accountId", accountId);
    sent.current = { body: "", key: "" };
    setResult(null);
    setAnnouncement("");
    askFocus("form");
  };

  const submit = (values: GeneratorValues) => {
    const body = toRequest(values);
    const text = JSON.stringify(body);
    if (sent.current.body !== text) sent.current = { body: text, key: newIdempotencyKey() };
    create.mutate(
      { ...body, count: Number(body.count), idempotencyKey: sent.current.key },
      {
        onSuccess: created,
        onError: (error) => {
          if (isApiError(error, "validation_failed")) {
            const errors = toFieldErrors(issuesToErrors((error as ApiError).issues));
            form.setErrors(errors);
            invalid(errors);
          }
          // Past the issuer's size limit: its message (naming the size and the limit) under the size.
          else if (isApiError(error, "payload_too_large")) {
            form.setFieldError(sizeField, error.message);
            refused(error.message);
          } else refused(error instanceof Error ? error.message : "the request failed.");
        },
      },
    );
  };

  return (
    <Stack maw={1100} ref={page}>
      <PageHeader
        title="License generator"
        description="Commercial, test and internal-use licenses for an account: every parameter, the main product's defaults filled in."
      />
      <VisuallyHidden role="status" aria-live="polite" aria-atomic="true">
        {announcement}
      </VisuallyHidden>
      {source && !result && (
        <Alert variant="light" title={`Prefilled from license …-${source.keyHint}`}>
          A clone of {source.accountName}'s license: the same parameters, starting when it is created. It is a
          new license, with its own key and history; change anything before generating it.{" "}
          <Anchor component={Link} to={`/crm/licenses/${source.id}`}>
            Open the original
          </Anchor>
        </Alert>
      )}
      {result && <IssuedLicenses ref={resultPanel} licenses={result.licenses} onAnother={another} />}
      {/* Locked after a success: a second click cannot create a second license by mistake. */}
      <Fieldset variant="unstyled" disabled={locked} ref={formStart} aria-label="License parameters">
        <Stack>
          <Card withBorder>
            <AccountPicker
              required
              value={form.values.accountId}
              onChange={(id) => form.setFieldValue("accountId", id)}
              error={form.errors.accountId}
              description="The license's owner; its name and first contact go into the file"
            />
          </Card>
          <QuickGenerate accountId={form.values.accountId} kinds={kinds} onCreated={created} />
          <form onSubmit={form.onSubmit(submit, invalid)} noValidate>
            <Stack>
              {form.errors[formError] && (
                <Alert ref={summary} tabIndex={-1} color="red" variant="light">
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
                  {Number(form.values.count) > 1
                    ? `Generate ${form.values.count} licenses`
                    : "Generate license"}
                </Button>
              </Group>
            </Stack>
          </form>
        </Stack>
      </Fieldset>
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
  const canManage = useCan("preset.write");
  const usable = (presets.data ?? []).filter((p) => allowed(p, kinds, canInternal));
  if (presets.isPending || presets.error) return null;
  if (usable.length === 0)
    return (
      <Card withBorder>
        <Title order={2} size="h5">
          Quick generate
        </Title>
        <Text size="sm" c="dimmed">
          {(presets.data ?? []).length === 0 ? "No presets yet" : "No preset your role may use"}: a preset is
          a named set of parameters that generates a license in one click.{" "}
          {canManage ? (
            <Anchor component={Link} to="/settings/presets">
              Define one in Settings → Presets
            </Anchor>
          ) : (
            "A license admin defines them in Settings → Presets."
          )}
        </Text>
      </Card>
    );
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
      <Title order={2} size="h5">
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
