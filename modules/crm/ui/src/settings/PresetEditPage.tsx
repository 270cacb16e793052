import { issuer, type Preset, type Product } from "@licensing/contracts";
import {
  ConfirmButton,
  formError,
  isApiError,
  issuesToErrors,
  notifySuccess,
  PageHeader,
  QueryError,
  useCan,
  zodValidate,
} from "@licensing/ui/kit";
import {
  Alert,
  Anchor,
  Breadcrumbs,
  Button,
  Card,
  Fieldset,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { presetSizeRule, sizeErrors, sizeField } from "../licenses/content-size.ts";
import { ParameterFields } from "../licenses/ParameterFields.tsx";
import {
  changedParameters,
  emptyParameters,
  noticeError,
  type ParameterValues,
  parametersToValues,
  toFieldErrors,
} from "../licenses/parameters.ts";
import { useProducts } from "../products/api.ts";
import { type PresetBody, useCreatePreset, useDeletePreset, usePresets, useUpdatePreset } from "./api.ts";

interface PresetValues extends ParameterValues {
  name: string;
  description: string;
}

function Crumbs({ last }: { last: string }) {
  return (
    <Breadcrumbs>
      <Anchor component={Link} to="/settings/presets" size="sm">
        Presets
      </Anchor>
      <Text size="sm">{last}</Text>
    </Breadcrumbs>
  );
}

export function NewPresetPage() {
  const products = useProducts();
  if (products.isPending) return <Loader />;
  if (products.error) return <QueryError error={products.error} retry={() => void products.refetch()} />;
  return (
    <Stack maw={1100}>
      <Crumbs last="New preset" />
      <PageHeader title="New preset" />
      <PresetForm products={products.data} preset={undefined} />
    </Stack>
  );
}

export function EditPresetPage() {
  const { id = "" } = useParams();
  const products = useProducts();
  const presets = usePresets();
  if (products.isPending || presets.isPending) return <Loader />;
  const error = products.error ?? presets.error;
  if (error) return <QueryError error={error} retry={() => void presets.refetch()} />;
  const preset = presets.data?.find((p) => p.id === id);
  if (!preset)
    return (
      <Stack>
        <Crumbs last="Not found" />
        <Text>This preset does not exist (any more).</Text>
      </Stack>
    );
  return (
    <Stack maw={1100}>
      <Crumbs last={preset.name} />
      <PageHeader
        title={preset.name}
        description={preset.description || undefined}
        actions={<DeletePreset preset={preset} />}
      />
      <PresetForm key={preset.version} products={products.data ?? []} preset={preset} />
    </Stack>
  );
}

function DeletePreset({ preset }: { preset: Preset }) {
  const navigate = useNavigate();
  const remove = useDeletePreset();
  if (!useCan("preset.write")) return null;
  return (
    <ConfirmButton
      color="red"
      variant="light"
      title={`Delete the preset ${preset.name}?`}
      message="Its quick-generate button goes away. Licenses made from it keep their parameters."
      confirmLabel="Delete"
      loading={remove.isPending}
      onConfirm={() =>
        remove.mutateAsync(preset.id).then(() => {
          notifySuccess(`Preset ${preset.name} was deleted.`);
          navigate("/settings/presets");
        })
      }
    >
      Delete
    </ConfirmButton>
  );
}

function PresetForm({ products, preset }: { products: Product[]; preset: Preset | undefined }) {
  const navigate = useNavigate();
  const canWrite = useCan("preset.write");
  const create = useCreatePreset();
  const update = useUpdatePreset();
  const [conflict, setConflict] = useState(false);
  const byCode = (code: string | undefined) => products.find((p) => p.code === code);
  const initial: PresetValues = {
    ...(preset
      ? parametersToValues(preset.parameters, byCode(preset.parameters.products[0]))
      : { ...emptyParameters, kind: "test" as const, durationDays: 30 }),
    name: preset?.name ?? "",
    description: preset?.description ?? "",
  };
  const toBody = (values: PresetValues): PresetBody => ({
    name: values.name,
    description: values.description,
    parameters: changedParameters(values, byCode(values.products[0])),
  });
  const sizeRule = presetSizeRule(products);
  const form = useForm<PresetValues>({
    initialValues: initial,
    validate: (values) => {
      const errors = {
        ...toFieldErrors(zodValidate(issuer.createPreset.request, toBody)(values), "parameters."),
        ...sizeErrors(sizeRule, values),
      };
      if (values.endMode === "date" && !values.endDate) errors.endDate = "Pick an end date";
      const notice = noticeError(values);
      if (notice) errors.notifyDays = notice;
      return errors;
    },
  });
  const onError = (error: unknown) => {
    if (isApiError(error, "conflict")) setConflict(true);
    // Past 64 KiB: the issuer's message (naming the size and the limit) under the size.
    else if (isApiError(error, "payload_too_large")) form.setFieldError(sizeField, error.message);
    else if (isApiError(error, "validation_failed") || isApiError(error, "already_exists"))
      form.setErrors(
        toFieldErrors(
          issuesToErrors(error.issues.length ? error.issues : [{ path: "name", message: error.message }]),
          "parameters.",
        ),
      );
  };
  const submit = (values: PresetValues) => {
    const body = toBody(values);
    if (preset)
      update.mutate(
        { ...body, id: preset.id, expectedVersion: preset.version },
        { onSuccess: (saved) => notifySuccess(`Preset ${saved.name} was saved.`), onError },
      );
    else
      create.mutate(body, {
        onSuccess: (saved) => {
          notifySuccess(`Preset ${saved.name} was created.`);
          navigate(`/settings/presets/${saved.id}`);
        },
        onError,
      });
  };
  return (
    <form onSubmit={form.onSubmit(submit)} noValidate>
      <Fieldset variant="unstyled" disabled={!canWrite}>
        <Stack>
          {!canWrite && <Alert variant="light">Your role may read presets but not change them.</Alert>}
          {conflict && (
            <Alert color="orange" title="Someone changed this preset meanwhile" role="alert">
              Your changes were not saved. Reload the page to see the latest version, then make them again.
            </Alert>
          )}
          {form.errors[formError] && (
            <Alert color="red" variant="light" role="alert">
              {form.errors[formError]}
            </Alert>
          )}
          <Card withBorder>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput
                label="Name"
                description='e.g. "30-day test"'
                required
                {...form.getInputProps("name")}
              />
              <TextInput
                label="Description"
                description="Shown on the quick-generate button"
                {...form.getInputProps("description")}
              />
            </SimpleGrid>
          </Card>
          <ParameterFields
            form={form}
            products={products}
            kinds={["commercial", "test"]}
            canInternal
            sizeRule={sizeRule}
          />
          {canWrite && (
            <Group justify="flex-end">
              <Button variant="default" onClick={() => navigate("/settings/presets")}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending || update.isPending}>
                {preset ? "Save changes" : "Create preset"}
              </Button>
            </Group>
          )}
        </Stack>
      </Fieldset>
    </form>
  );
}
