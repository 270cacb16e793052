import { delegationRenewRequest } from "@licensing/contracts";
import { applyServerErrors, formatDateTime, TextFileField, zodValidate } from "@licensing/ui/kit";
import { Button, CopyButton, Group, Stack, Text, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { IconCheck, IconCopy, IconDownload, IconFileCertificate } from "@tabler/icons-react";
import { useState } from "react";
import { saveText } from "../licenses/IssuedLicenses.tsx";
import { ActionDialog, Refusal } from "./ActionDialog.tsx";
import { type AnsweredRequest, useAnswerRequest } from "./api.ts";
import type { DelegationLicense } from "./DelegationPanel.tsx";

const monospace = { input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 12 } };

/** Answers a cockpit's offline delegation request: the certificate to carry back to it. */
export function AnswerRequest({ license }: { license: DelegationLicense }) {
  const answer = useAnswerRequest(license.id);
  const [placed, setPlaced] = useState(false);
  const form = useForm({
    initialValues: { request: "" },
    validate: zodValidate(delegationRenewRequest, (v: { request: string }) => ({
      request: v.request.trim(),
    })),
  });
  const submit = ({ request }: { request: string }) =>
    answer.mutate(
      { request: request.trim() },
      { onError: (error) => setPlaced(applyServerErrors(form, error)) },
    );
  return (
    <ActionDialog
      label="Answer an offline request"
      title="Answer an offline request"
      icon={<IconFileCertificate size={16} />}
      onOpen={() => {
        form.reset();
        answer.reset();
      }}
    >
      {(close) =>
        answer.data ? (
          <AnsweredCertificate license={license} answered={answer.data} close={close} />
        ) : (
          <form onSubmit={form.onSubmit(submit)} noValidate>
            <Stack>
              <Text size="sm">
                A cockpit without a connection writes a delegation request. Paste it, or choose its file: the
                answer is the certificate to carry back to the cockpit. A request is answered once.
              </Text>
              <TextFileField
                label="Delegation request"
                description="The whole request, from its BEGIN line to its END line"
                required
                data-autofocus
                accept=".req,.txt,text/plain"
                {...form.getInputProps("request")}
              >
                <Button type="submit" loading={answer.isPending}>
                  Answer
                </Button>
              </TextFileField>
              {answer.error && !placed && (
                <Refusal error={answer.error} title="The request was not answered" />
              )}
            </Stack>
          </form>
        )
      }
    </ActionDialog>
  );
}

function AnsweredCertificate({
  license,
  answered: a,
  close,
}: {
  license: DelegationLicense;
  answered: AnsweredRequest;
  close: () => void;
}) {
  return (
    <Stack>
      <Text size="sm" role="status">
        Certificate {a.serial} is signed; it expires {formatDateTime(a.expiresAt)}. Carry it back to the
        cockpit.
      </Text>
      <Textarea
        label="Certificate"
        value={a.certificate}
        readOnly
        autosize
        minRows={6}
        maxRows={14}
        styles={monospace}
      />
      <Group justify="space-between">
        <Group gap="sm">
          <CopyButton value={a.certificate} timeout={2_000}>
            {({ copied, copy }) => (
              <Button
                variant="default"
                color={copied ? "teal" : undefined}
                leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                onClick={copy}
              >
                {copied ? "Copied" : "Copy"}
              </Button>
            )}
          </CopyButton>
          <Button
            variant="default"
            leftSection={<IconDownload size={16} />}
            onClick={() => saveText(a.certificate, `delegation-${license.id}-${a.serial}.cert`)}
          >
            Download
          </Button>
        </Group>
        <Button onClick={close}>Done</Button>
      </Group>
    </Stack>
  );
}
