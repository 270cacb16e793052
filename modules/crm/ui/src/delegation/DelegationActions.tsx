import { delegation, delegationRenewRequest, receiptUploadRequest } from "@licensing/contracts";
import {
  ApiError,
  applyServerErrors,
  formatDateTime,
  notifySuccess,
  QueryError,
  TextFileField,
  userMessage,
  zodValidate,
} from "@licensing/ui/kit";
import {
  Button,
  CopyButton,
  FileInput,
  Group,
  List,
  Modal,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import {
  IconBan,
  IconCheck,
  IconCopy,
  IconDownload,
  IconFileCertificate,
  IconUpload,
} from "@tabler/icons-react";
import { type ReactNode, useState } from "react";
import { saveText } from "../licenses/IssuedLicenses.tsx";
import { Figure } from "../usage/UsagePanel.tsx";
import {
  type AnsweredRequest,
  type ImportedReceipts,
  useAnswerRequest,
  useImportReceipts,
  useRevokeDelegation,
} from "./api.ts";
import { AnomaliesTable, type DelegationLicense } from "./DelegationPanel.tsx";

/** What an operator with `usage.manage` does with a cockpit's delegation. */
export function DelegationActions({ license }: { license: DelegationLicense }) {
  return (
    <Group gap="sm">
      <AnswerRequest license={license} />
      <ImportReceipts license={license} />
      <RevokeDelegation license={license} />
    </Group>
  );
}

const monospace = { input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 12 } };

/** A refusal in words, with the request id, and the server's issues when it names some. */
function Refusal({ error, title }: { error: unknown; title: string }) {
  return (
    <Stack gap="xs">
      <QueryError error={error} title={title} />
      {error instanceof ApiError && error.issues.length > 0 && (
        <List size="sm" aria-label="What is wrong">
          {error.issues.slice(0, 10).map((issue) => (
            <List.Item key={`${issue.path}:${issue.message}`}>
              {issue.path ? `${issue.path}: ` : ""}
              {userMessage(issue)}
            </List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}

/** A button and its dialog; the dialog's content starts afresh at each opening. */
function ActionDialog({
  label,
  title,
  icon,
  color,
  onOpen,
  children,
}: {
  label: string;
  title: string;
  icon: ReactNode;
  color?: string;
  onOpen: () => void;
  children: (close: () => void) => ReactNode;
}) {
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button
        variant={color ? "light" : "default"}
        color={color}
        leftSection={icon}
        onClick={() => {
          onOpen();
          open();
        }}
      >
        {label}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered size="lg">
        {children(close)}
      </Modal>
    </>
  );
}

function AnswerRequest({ license }: { license: DelegationLicense }) {
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

/** A chosen receipts file, read and checked against the contract before it is sent. */
type Chosen =
  | { file: File; upload: unknown; problem?: undefined }
  | { file: File; upload?: undefined; problem: string };

async function readReceipts(file: File): Promise<Chosen> {
  let json: unknown;
  try {
    json = JSON.parse(await file.text());
  } catch {
    return { file, problem: "This file is not JSON: choose the receipts file the cockpit exported." };
  }
  const checked = receiptUploadRequest.safeParse(json);
  if (checked.success) return { file, upload: json };
  const issue = checked.error.issues[0]!;
  const path = issue.path.join(".");
  return {
    file,
    problem: `This is not a receipts file the cockpit exported${path ? ` (${path}: ${userMessage({ path, message: issue.message })})` : `: ${issue.message}`}.`,
  };
}

function ImportReceipts({ license }: { license: DelegationLicense }) {
  const receipts = useImportReceipts(license.id);
  const [chosen, setChosen] = useState<Chosen | null>(null);
  const choose = async (file: File | null) => {
    receipts.reset();
    setChosen(file ? await readReceipts(file) : null);
  };
  return (
    <ActionDialog
      label="Import receipts"
      title="Import receipts"
      icon={<IconUpload size={16} />}
      onOpen={() => {
        setChosen(null);
        receipts.reset();
      }}
    >
      {(close) => (
        <Stack>
          <Text size="sm">
            A cockpit without a connection exports its collectors' usage receipts to a file. Choose it:
            receipts already imported count once, and whatever does not verify is reported, never counted.
          </Text>
          <FileInput
            label="Receipts file"
            placeholder="Choose the exported .json file"
            accept=".json,application/json"
            value={chosen?.file ?? null}
            onChange={(file) => void choose(file)}
            error={chosen?.problem}
            clearable
            data-autofocus
          />
          {receipts.error && <Refusal error={receipts.error} title="The receipts were not imported" />}
          {receipts.data && <ImportOutcome outcome={receipts.data} />}
          <Group justify="flex-end">
            {receipts.data ? (
              <Button onClick={close}>Done</Button>
            ) : (
              <Button
                disabled={chosen?.upload === undefined}
                loading={receipts.isPending}
                onClick={() => chosen?.upload !== undefined && receipts.mutate(chosen.upload)}
              >
                Import
              </Button>
            )}
          </Group>
        </Stack>
      )}
    </ActionDialog>
  );
}

function ImportOutcome({ outcome: o }: { outcome: ImportedReceipts }) {
  return (
    <Stack gap="sm">
      <Text size="sm" role="status">
        {`Imported: ${o.accepted.toLocaleString()} receipts accepted, ${o.duplicates.toLocaleString()} already imported, ${o.units.toLocaleString()} units counted.`}
      </Text>
      <SimpleGrid cols={3} spacing="sm">
        <Figure label="Accepted" value={o.accepted.toLocaleString()} />
        <Figure label="Duplicates" value={o.duplicates.toLocaleString()} hint="imported before" />
        <Figure label="Units" value={o.units.toLocaleString()} />
      </SimpleGrid>
      <Title order={3} size="h6">
        Anomalies in this file
      </Title>
      {o.anomalies.length === 0 ? (
        <Text size="sm" c="dimmed">
          No anomalies were detected in this file.
        </Text>
      ) : (
        <AnomaliesTable anomalies={o.anomalies} label="Anomalies in this file" />
      )}
    </Stack>
  );
}

const revokeBody = delegation.revoke.request.omit({ licenseId: true });

function RevokeDelegation({ license }: { license: DelegationLicense }) {
  const revoke = useRevokeDelegation(license.id);
  const [placed, setPlaced] = useState(false);
  const form = useForm({
    initialValues: { reason: "" },
    validate: zodValidate(revokeBody, (v: { reason: string }) => ({ reason: v.reason.trim() })),
  });
  const submit = (values: { reason: string }, close: () => void) =>
    revoke.mutate(
      { reason: values.reason.trim() },
      {
        onSuccess: () => {
          notifySuccess("The fleet delegation is revoked.");
          close();
        },
        onError: (error) => setPlaced(applyServerErrors(form, error)),
      },
    );
  return (
    <ActionDialog
      label="Revoke delegation"
      title={`Revoke the fleet delegation of ${license.label}?`}
      icon={<IconBan size={16} />}
      color="red"
      onOpen={() => {
        form.reset();
        revoke.reset();
      }}
    >
      {(close) => (
        <form onSubmit={form.onSubmit((values) => submit(values, close))} noValidate>
          <Stack>
            <Text size="sm">
              The cockpit of {license.label} gets no new certificate, and its key is listed as revoked for the
              account: collectors refuse the leases it signs. The license itself stays as it is. Say why: the
              reason is recorded with your name.
            </Text>
            <Textarea
              label="Reason"
              description="Required; recorded with your name"
              required
              autosize
              minRows={2}
              data-autofocus
              {...form.getInputProps("reason")}
            />
            {revoke.error && !placed && (
              <Refusal error={revoke.error} title="The delegation was not revoked" />
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" color="red" loading={revoke.isPending}>
                Revoke delegation
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </ActionDialog>
  );
}
