import { Alert, Badge, Button, Card, Group, Loader, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../kit/api.ts";
import { ConfirmButton } from "../../kit/ConfirmButton.tsx";
import { applyServerErrors } from "../../kit/form.ts";
import { formatDate, formatDateTime } from "../../kit/format.ts";
import { notifySuccess } from "../../kit/notify.tsx";
import { PageHeader } from "../../kit/PageHeader.tsx";
import { QueryError } from "../../kit/QueryError.tsx";
import { TextFileField } from "../../kit/TextFileField.tsx";
import type { Modules } from "../../kit/types.ts";
import { sessionKey } from "../../shell/auth.ts";

const modulesKey = ["modules"] as const;
const armorLine = "-----BEGIN LICENSE FILE-----";

export function ActivationPage() {
  const queryClient = useQueryClient();
  const modules = useQuery({ queryKey: modulesKey, queryFn: () => api.get<Modules>("/api/modules") });
  // The menu follows the session's module status, so both are read again after a change. (The
  // answer's own shape is not relied on: the module status, whichever way the gateway wraps it.)
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: modulesKey }),
      queryClient.invalidateQueries({ queryKey: sessionKey }),
    ]);
  const form = useForm({
    initialValues: { licenseFile: "" },
    validate: {
      licenseFile: (value) =>
        !value.trim()
          ? "Paste the activation license"
          : !value.includes(armorLine)
            ? `An activation license starts with ${armorLine}`
            : null,
    },
  });

  const activate = useMutation({
    meta: { form: true },
    mutationFn: (licenseFile: string) => api.put<unknown>("/api/modules/crm/activation", { licenseFile }),
    onSuccess: async () => {
      await refresh();
      form.reset();
      notifySuccess("The CRM module is active.");
    },
    onError: (error) => applyServerErrors(form, error),
  });
  const deactivate = useMutation({
    mutationFn: () => api.delete<unknown>("/api/modules/crm/activation"),
    onSuccess: async () => {
      await refresh();
      notifySuccess("The CRM module was deactivated.");
    },
  });
  if (modules.isPending) return <Loader />;
  if (modules.error) return <QueryError error={modules.error} retry={() => void modules.refetch()} />;
  const crm = modules.data.crm;

  return (
    <Stack maw={820}>
      <PageHeader
        title="Activation"
        description="The CRM module (customer accounts, license generator, licenses, dashboard) works once activated with a license carrying the crm feature."
      />
      {!crm.packaged ? (
        <Alert variant="light" title="Not included in this deployment">
          This deployment was built without the CRM module, so there is nothing to activate.
        </Alert>
      ) : (
        <>
          <Card withBorder>
            <Group justify="space-between" mb="sm">
              <Title order={2} size="h4">
                CRM module
              </Title>
              <Badge color={crm.active ? "green" : "gray"} size="lg" variant="light">
                {crm.active ? "Active" : "Not active"}
              </Badge>
            </Group>
            {crm.activation ? (
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
                <Field label="Licensed to" value={crm.activation.ownerCompany} />
                <Field
                  label="Valid until"
                  value={crm.activation.endDate ? formatDate(crm.activation.endDate) : "No end date"}
                />
                <Field
                  label="Activated"
                  value={`${formatDateTime(crm.activation.activatedAt)} by ${crm.activation.activatedBy}`}
                />
                <Field label="License id" value={crm.activation.licenseId} mono />
              </SimpleGrid>
            ) : (
              <Text size="sm" c="dimmed">
                No activation license yet. Paste one below.
              </Text>
            )}
            {crm.activation && (
              <Group mt="md">
                <ConfirmButton
                  color="red"
                  variant="light"
                  title="Deactivate the CRM module?"
                  message="The CRM section disappears for every operator and its API answers module_inactive until a license is pasted again. No data is deleted."
                  confirmLabel="Deactivate"
                  loading={deactivate.isPending}
                  onConfirm={() => deactivate.mutateAsync()}
                >
                  Deactivate
                </ConfirmButton>
              </Group>
            )}
          </Card>
          <Card withBorder>
            <form
              onSubmit={form.onSubmit(({ licenseFile }) => activate.mutate(licenseFile.trim()))}
              noValidate
            >
              <Stack>
                <Title order={2} size="h4">
                  {crm.activation ? "Replace the activation license" : "Activate"}
                </Title>
                <TextFileField
                  label="Activation license"
                  description="Paste the whole license file, from -----BEGIN LICENSE FILE----- to its END line. For development, npm start prints how to get one."
                  maxRows={16}
                  required
                  accept=".lic,.txt,text/plain"
                  {...form.getInputProps("licenseFile")}
                >
                  <Button type="submit" loading={activate.isPending}>
                    Activate
                  </Button>
                </TextFileField>
              </Stack>
            </form>
          </Card>
        </>
      )}
    </Stack>
  );
}

function Field({ label, value, mono }: { label: string; value: string; mono?: boolean }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" ff={mono ? "monospace" : undefined}>
        {value}
      </Text>
    </div>
  );
}
