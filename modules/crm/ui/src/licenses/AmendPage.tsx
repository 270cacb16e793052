import { issuer, type LicenseDetail, type Product } from "@licensing/contracts";
import {
  type ApiError,
  formError,
  isApiError,
  issuesToErrors,
  missing,
  PageHeader,
  QueryError,
  revealFirstError,
  useCan,
  zodValidate,
} from "@licensing/ui/kit";
import {
  Alert,
  Anchor,
  Breadcrumbs,
  Button,
  Card,
  Group,
  Loader,
  Stack,
  Text,
  Textarea,
  VisuallyHidden,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconPencil } from "@tabler/icons-react";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useProducts } from "../products/api.ts";
import { type AmendBody, amendmentBody, describeAmendment, licenseToValues } from "./amendment.ts";
import { newIdempotencyKey, useAmend, useLicense } from "./api.ts";
import { licenseSizeRule, sizeErrors, sizeField } from "./content-size.ts";
import { ParameterFields } from "./ParameterFields.tsx";
import { noticeError, type ParameterValues, toFieldErrors } from "./parameters.ts";

interface AmendValues extends ParameterValues {
  reason: string;
}

/** What the license page shows after an amendment (router state): the outcome, where the user looks. */
export interface AmendedState {
  amended: { serial: number; what: string };
}

const bodySchema = issuer.amend.request.omit({ id: true });

function toBody(initial: ParameterValues, values: AmendValues): AmendBody {
  const body = amendmentBody(initial, values);
  const reason = values.reason.trim();
  return reason ? { ...body, reason } : body;
}

/** `/crm/licenses/:id/amend`: the license's parameters, the amendable ones editable. */
export function AmendPage() {
  const { id = "" } = useParams();
  const license = useLicense(id);
  const products = useProducts();
  if (license.isPending || products.isPending) return <Loader />;
  if (license.error)
    return (
      <QueryError error={license.error} retry={() => void license.refetch()} missing={missing.license} />
    );
  if (products.error) return <QueryError error={products.error} retry={() => void products.refetch()} />;
  if (license.data.state === "revoked")
    return (
      <Alert color="red" variant="light" title="This license is revoked">
        A revoked license cannot be amended.{" "}
        <Anchor component={Link} to={`/crm/licenses/${id}`}>
          Back to the license
        </Anchor>
      </Alert>
    );
  // A new version of the license (another tab amended it) starts a new form.
  return (
    <AmendForm
      key={`${license.data.id}/${license.data.serial}`}
      license={license.data}
      products={products.data}
    />
  );
}

function AmendForm({ license: l, products }: { license: LicenseDetail; products: Product[] }) {
  const navigate = useNavigate();
  const canInternal = useCan("license.create.internal");
  const amend = useAmend(l.id);
  const initial = useMemo(() => licenseToValues(l), [l]);
  // One idempotency key per content: a double submit signs one version; changed content is another request.
  const sent = useRef({ body: "", key: "" });
  const [announcement, setAnnouncement] = useState("");
  const [focusAsked, setFocusAsked] = useState(0);
  const page = useRef<HTMLDivElement>(null);
  const summary = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (focusAsked > 0) revealFirstError(page.current, summary.current);
  }, [focusAsked]);

  const form = useForm<AmendValues>({
    initialValues: { ...initial, reason: "" },
    validate: (values) => {
      const body = toBody(initial, values);
      const errors: Record<string, unknown> = {
        ...toFieldErrors(zodValidate(bodySchema, () => body)(values)),
        ...sizeErrors(licenseSizeRule, values),
      };
      if (values.endMode === "date" && !values.endDate) errors.endDate = "Pick an end date";
      // An unchanged notice is shortened by the issuer to fit a shorter license; a new one must fit.
      const notice = noticeError(values);
      if (notice && body.notifyDays !== undefined) errors.notifyDays = notice;
      if (Object.keys(amendmentBody(initial, values)).length === 0)
        errors[formError] = "Change at least one value: as it is, the amendment changes nothing.";
      return errors as never;
    },
  });

  const refused = (reason: string) => {
    setAnnouncement(`The license was not amended: ${reason}`);
    setFocusAsked((n) => n + 1);
  };
  const invalid = (errors: Record<string, unknown>) => {
    const { [formError]: whole, ...fields } = errors;
    const count = Object.keys(fields).length;
    if (count === 0) refused(String(whole ?? "the request was refused."));
    else refused(count === 1 ? "one field needs correcting." : `${count} fields need correcting.`);
  };

  const submit = (values: AmendValues) => {
    const body = toBody(initial, values);
    const text = JSON.stringify(body);
    if (sent.current.body !== text) sent.current = { body: text, key: newIdempotencyKey() };
    amend.mutate(
      { ...body, idempotencyKey: sent.current.key },
      {
        onSuccess: (detail) => {
          const state: AmendedState = { amended: { serial: detail.serial, what: describeAmendment(body) } };
          navigate(`/crm/licenses/${l.id}`, { state });
        },
        onError: (error) => {
          if (isApiError(error, "validation_failed")) {
            const errors = toFieldErrors(issuesToErrors((error as ApiError).issues));
            form.setErrors(errors);
            invalid(errors);
          } else if (isApiError(error, "payload_too_large")) {
            form.setFieldError(sizeField, error.message);
            refused(error.message);
          } else refused(error instanceof Error ? error.message : "the request failed.");
        },
      },
    );
  };

  return (
    <Stack maw={1100} ref={page}>
      <Breadcrumbs>
        <Anchor component={Link} to="/crm/licenses" size="sm">
          Licenses
        </Anchor>
        <Anchor component={Link} to={`/crm/licenses/${l.id}`} size="sm">
          …-{l.keyHint}
        </Anchor>
        <Text size="sm">Amend</Text>
      </Breadcrumbs>
      <PageHeader
        title={`Amend license …-${l.keyHint}`}
        description={`For ${l.accountName}. Change what it grants: signing makes version ${l.serial + 1}, with the same key; the customer downloads the new file.`}
      />
      <VisuallyHidden role="status" aria-live="polite" aria-atomic="true">
        {announcement}
      </VisuallyHidden>
      <form onSubmit={form.onSubmit(submit, invalid)} noValidate aria-label="Amendment">
        <Stack>
          {form.errors[formError] && (
            <Alert ref={summary} tabIndex={-1} color="red" variant="light">
              {form.errors[formError]}
            </Alert>
          )}
          <ParameterFields
            form={form}
            products={products}
            kinds={[l.kind]}
            canInternal={canInternal || l.internal}
            sizeRule={licenseSizeRule}
            amending={{ products: l.products }}
          />
          <Card withBorder>
            <Textarea
              label="Reason"
              description="Optional; kept in the license's audit trail with the changes"
              autosize
              minRows={2}
              {...form.getInputProps("reason")}
            />
          </Card>
          <Group justify="flex-end">
            <Button variant="default" component={Link} to={`/crm/licenses/${l.id}`}>
              Cancel
            </Button>
            <Button type="submit" leftSection={<IconPencil size={16} />} loading={amend.isPending}>
              Sign amended version
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
