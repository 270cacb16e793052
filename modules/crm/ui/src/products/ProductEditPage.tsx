import { createProductRequest, type Product, updateProductRequest } from "@licensing/contracts";
import {
  applyServerErrors,
  ConfirmButton,
  formError,
  isApiError,
  missing,
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
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useCreateProduct, useDeleteProduct, useProduct, useUpdateProduct } from "./api.ts";
import { LimitInput, NamedCodeList } from "./fields.tsx";
import {
  emptyProduct,
  type ProductFormValues,
  productToForm,
  pruneDefaults,
  toCreateRequest,
  toUpdateRequest,
} from "./form-values.ts";

function Crumbs({ last }: { last: string }) {
  return (
    <Breadcrumbs>
      <Anchor component={Link} to="/settings/products" size="sm">
        Products
      </Anchor>
      <Text size="sm">{last}</Text>
    </Breadcrumbs>
  );
}

export function NewProductPage() {
  const navigate = useNavigate();
  const create = useCreateProduct();
  return (
    <Stack>
      <Crumbs last="New product" />
      <PageHeader title="New product" />
      <ProductForm
        initial={emptyProduct}
        toRequest={toCreateRequest}
        schema={createProductRequest}
        isNew
        readOnly={false}
        submitLabel="Create product"
        submitting={create.isPending}
        onCancel={() => navigate("/settings/products")}
        onSubmit={(values, form) =>
          create.mutate(toCreateRequest(values), {
            onSuccess: (product) => {
              notifySuccess(`Product ${product.name} was created.`);
              navigate(`/settings/products/${product.code}`);
            },
            onError: (error) => applyServerErrors(form, error),
          })
        }
      />
    </Stack>
  );
}

export function EditProductPage() {
  const { code = "" } = useParams();
  const product = useProduct(code);
  if (product.isPending) return <Loader />;
  if (product.error)
    return (
      <QueryError error={product.error} retry={() => void product.refetch()} missing={missing.product} />
    );
  return <EditProduct key={product.data.version} product={product.data} reload={() => product.refetch()} />;
}

function EditProduct({ product, reload }: { product: Product; reload: () => Promise<unknown> }) {
  const navigate = useNavigate();
  const canWrite = useCan("product.write");
  const update = useUpdateProduct();
  const remove = useDeleteProduct();
  const [conflict, setConflict] = useState(false);
  return (
    <Stack>
      <Crumbs last={product.name} />
      <PageHeader
        title={product.name}
        description={
          <Text ff="monospace" span size="sm">
            {product.code}
          </Text>
        }
        actions={
          canWrite && (
            <ConfirmButton
              color="red"
              variant="light"
              title={`Delete ${product.name}?`}
              message="The product leaves the catalog: no new license can name it. Licenses already issued keep their own copy of it."
              confirmLabel="Delete"
              loading={remove.isPending}
              onConfirm={() =>
                remove.mutateAsync(product.code).then(() => {
                  notifySuccess(`Product ${product.name} was deleted.`);
                  navigate("/settings/products");
                })
              }
            >
              Delete
            </ConfirmButton>
          )
        }
      />
      {conflict && (
        <Alert color="orange" title="Someone changed this product meanwhile" role="alert" maw={960}>
          <Stack gap="xs">
            <Text size="sm">Your changes were not saved. Load the latest version, then make them again.</Text>
            <div>
              <Button size="xs" color="orange" onClick={() => void reload()}>
                Load the latest version
              </Button>
            </div>
          </Stack>
        </Alert>
      )}
      <ProductForm
        initial={productToForm(product)}
        toRequest={(values) => toUpdateRequest(product, values)}
        schema={updateProductRequest}
        isNew={false}
        readOnly={!canWrite}
        submitLabel="Save changes"
        submitting={update.isPending}
        onCancel={() => navigate("/settings/products")}
        onSubmit={(values, form) =>
          update.mutate(toUpdateRequest(product, values), {
            onSuccess: (saved) => notifySuccess(`Product ${saved.name} was saved.`),
            onError: (error) => {
              if (isApiError(error, "conflict")) setConflict(true);
              else applyServerErrors(form, error);
            },
          })
        }
      />
    </Stack>
  );
}

type Form = ReturnType<typeof useForm<ProductFormValues>>;

interface ProductFormProps {
  initial: ProductFormValues;
  toRequest: (values: ProductFormValues) => unknown;
  schema: typeof createProductRequest | typeof updateProductRequest;
  isNew: boolean;
  readOnly: boolean;
  submitLabel: string;
  submitting: boolean;
  onCancel: () => void;
  onSubmit: (values: ProductFormValues, form: Form) => void;
}

/** Options for a defaults picker: what the product offers, each code once. */
function offered(list: { code: string; name: string }[]) {
  const seen = new Set<string>();
  return list.flatMap(({ code, name }) => {
    const value = code.trim();
    if (!value || seen.has(value)) return [];
    seen.add(value);
    return [{ value, label: name.trim() ? `${name.trim()} (${value})` : value }];
  });
}

function ProductForm({
  initial,
  toRequest,
  schema,
  isNew,
  readOnly,
  submitLabel,
  submitting,
  onCancel,
  onSubmit,
}: ProductFormProps) {
  const form: Form = useForm<ProductFormValues>({
    initialValues: initial,
    validate: zodValidate(schema, toRequest),
    validateInputOnBlur: true,
    onValuesChange: (values) => {
      const pruned = pruneDefaults(values);
      if (pruned) form.setFieldValue("defaults", pruned);
    },
  });
  const values = form.values;
  const modes = offered(values.executionModes);
  const features = offered(values.customFeatures);
  const units = offered(values.unitsTypes);
  const generalError = form.errors[formError];
  return (
    <form onSubmit={form.onSubmit((v) => onSubmit(v, form))} noValidate>
      <Fieldset variant="unstyled" disabled={readOnly} maw={960}>
        <Stack>
          {generalError && (
            <Alert color="red" variant="light" role="alert">
              {generalError}
            </Alert>
          )}
          {readOnly && <Alert variant="light">Your role may read products but not change them.</Alert>}
          <Card withBorder>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <TextInput
                label="Code"
                description="Lower case, e.g. collector; cannot change later"
                required
                readOnly={!isNew}
                variant={isNew ? "default" : "filled"}
                styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
                data-autofocus={isNew || undefined}
                {...form.getInputProps("code")}
              />
              <TextInput
                label="Name"
                description="As customers see it"
                required
                {...form.getInputProps("name")}
              />
              <NumberInput
                label="Notice period (days)"
                description="Expiry warnings for a commercial license start this many days before"
                min={0}
                max={365}
                allowDecimal={false}
                allowNegative={false}
                {...form.getInputProps("defaultNotifyDays")}
              />
            </SimpleGrid>
          </Card>
          <Card withBorder>
            <Stack gap="lg">
              <NamedCodeList
                form={form}
                path="executionModes"
                label="Execution modes"
                description="How the product may run, e.g. online, offline, cockpit"
                itemLabel="mode"
                readOnly={readOnly}
              />
              <NamedCodeList
                form={form}
                path="customFeatures"
                label="Custom features"
                description="Features a license can switch on"
                itemLabel="feature"
                readOnly={readOnly}
              />
              <NamedCodeList
                form={form}
                path="unitsTypes"
                label="Units types"
                description="What usage is counted in, e.g. scans, lines of code"
                itemLabel="units type"
                readOnly={readOnly}
              />
            </Stack>
          </Card>
          <Card withBorder>
            <Stack>
              <div>
                <Title order={2} size="h4">
                  License defaults
                </Title>
                <Text size="sm" c="dimmed">
                  What a new license for this product gets unless the operator changes it. Only this product's
                  modes, features and units types can be chosen.
                </Text>
              </div>
              <Stack gap={4}>
                <Text size="sm" fw={500} id="defaults-kind-label">
                  Kind
                </Text>
                <Text size="xs" c="dimmed">
                  The kind the generator starts with
                </Text>
                <SegmentedControl
                  aria-labelledby="defaults-kind-label"
                  w="fit-content"
                  data={[
                    { value: "commercial", label: "Commercial" },
                    { value: "test", label: "Test" },
                  ]}
                  {...form.getInputProps("defaults.kind")}
                />
              </Stack>
              <SimpleGrid cols={{ base: 1, sm: 3 }}>
                <LimitInput
                  label="Duration (days)"
                  description="Of a commercial license"
                  offLabel="No end date"
                  offValue={null}
                  onValue={365}
                  min={1}
                  {...form.getInputProps("defaults.durationDays")}
                />
                <LimitInput
                  label="Available activations"
                  description="Machines that may activate it"
                  offLabel="Unlimited"
                  offValue={-1}
                  onValue={1}
                  min={0}
                  {...form.getInputProps("defaults.availableActivations")}
                />
                <NumberInput
                  label="Seats"
                  description="Collectors a cockpit license covers; 0 for none"
                  min={0}
                  allowDecimal={false}
                  allowNegative={false}
                  {...form.getInputProps("defaults.seats")}
                />
                <Select
                  label="Units type"
                  placeholder={units.length ? "None" : "Add a units type first"}
                  data={units}
                  clearable
                  {...form.getInputProps("defaults.unitsType")}
                />
                <LimitInput
                  label="Accumulated units"
                  offLabel="Unlimited"
                  offValue={-1}
                  onValue={1000}
                  min={0}
                  {...form.getInputProps("defaults.accumulatedUnits")}
                />
                <LimitInput
                  label="Units per execution"
                  offLabel="No limit"
                  offValue={-1}
                  onValue={1}
                  min={0}
                  {...form.getInputProps("defaults.unitsPerExecution")}
                />
              </SimpleGrid>
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <MultiSelect
                  label="Execution modes"
                  placeholder={modes.length ? "Choose modes" : "Add execution modes above first"}
                  data={modes}
                  searchable
                  clearable
                  {...form.getInputProps("defaults.executionModes")}
                />
                <MultiSelect
                  label="Custom features"
                  placeholder={features.length ? "Choose features" : "Add custom features above first"}
                  data={features}
                  searchable
                  clearable
                  {...form.getInputProps("defaults.customFeatures")}
                />
              </SimpleGrid>
              <div>
                <Title order={3} size="h5">
                  Test licenses
                </Title>
                <Text size="sm" c="dimmed">
                  A test license is a short trial: it gets its own duration and notice.
                </Text>
              </div>
              <SimpleGrid cols={{ base: 1, sm: 3 }}>
                <NumberInput
                  label="Test duration (days)"
                  min={1}
                  allowDecimal={false}
                  allowNegative={false}
                  {...form.getInputProps("testDefaults.durationDays")}
                />
                <NumberInput
                  label="Test notice (days)"
                  description="Shorter than the test duration"
                  min={0}
                  allowDecimal={false}
                  allowNegative={false}
                  {...form.getInputProps("testDefaults.notifyDays")}
                />
              </SimpleGrid>
            </Stack>
          </Card>
          {!readOnly && (
            <Group justify="flex-end">
              <Button variant="default" onClick={onCancel}>
                Cancel
              </Button>
              <Button type="submit" loading={submitting}>
                {submitLabel}
              </Button>
            </Group>
          )}
        </Stack>
      </Fieldset>
    </form>
  );
}
