import { receiptUploadRequest } from "@licensing/contracts";
import { userMessage } from "@licensing/ui/kit";
import { Button, FileInput, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { IconUpload } from "@tabler/icons-react";
import { useState } from "react";
import { Figure } from "../usage/UsagePanel.tsx";
import { ActionDialog, Refusal } from "./ActionDialog.tsx";
import { type ImportedReceipts, useImportReceipts } from "./api.ts";
import { AnomaliesTable, type DelegationLicense } from "./DelegationPanel.tsx";

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

/** Imports the receipts file a cockpit without a connection exported. */
export function ImportReceipts({ license }: { license: DelegationLicense }) {
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
