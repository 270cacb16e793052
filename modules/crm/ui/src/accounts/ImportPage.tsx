import "mantine-datatable/styles.css";
import { ApiError, errorMessage, PageHeader } from "@licensing/ui/kit";
import {
  Alert,
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Card,
  Code,
  FileInput,
  Group,
  List,
  Progress,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Stepper,
  Text,
} from "@mantine/core";
import { IconDownload, IconFileTypeCsv } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { DataTable } from "mantine-datatable";
import { useState } from "react";
import { Link } from "react-router";
import { accountKeys, sendImport } from "./api.ts";
import { type SplitCsv, splitCsv } from "./csv-chunks.ts";
import {
  type ImportReport,
  type ImportRow,
  ImportStopped,
  markRepeatedIds,
  rejectedRowsCsv,
  runImport,
} from "./import-runner.ts";

type Step = "choose" | "preview" | "importing" | "report";
const stepIndex: Record<Step, number> = { choose: 0, preview: 1, importing: 2, report: 3 };

const outcomeColor: Record<ImportRow["outcome"], string> = {
  created: "green",
  updated: "blue",
  unchanged: "gray",
  rejected: "red",
};

export function ImportPage() {
  const queryClient = useQueryClient();
  const [step, setStep] = useState<Step>("choose");
  const [file, setFile] = useState<File | null>(null);
  const [split, setSplit] = useState<SplitCsv | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  const [preview, setPreview] = useState<{ report: ImportReport; repeated: Map<number, ImportRow> } | null>(
    null,
  );
  const [progress, setProgress] = useState({ done: 0, total: 0 });
  const [report, setReport] = useState<ImportReport | null>(null);

  const choose = async (chosen: File | null) => {
    setFile(chosen);
    setProblem(null);
    setSplit(chosen ? splitCsv(await chosen.text()) : null);
  };

  const runPreview = async () => {
    if (!split) return;
    if (split.records.length === 0) {
      setProblem(new Error("The file has no data rows: a header row and at least one account are needed."));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const report = await runImport({ split, dryRun: true, send: sendImport });
      setPreview(markRepeatedIds(report));
      setStep("preview");
    } catch (error) {
      setProblem(error instanceof ImportStopped ? error.cause : error);
    } finally {
      setBusy(false);
    }
  };

  const runRealImport = async () => {
    if (!split || !preview) return;
    setStep("importing");
    setProblem(null);
    try {
      setReport(
        await runImport({
          split,
          dryRun: false,
          send: sendImport,
          excluded: preview.repeated,
          onProgress: (done, total) => setProgress({ done, total }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ImportStopped)) throw error;
      setReport(error.report);
      setProblem(error.cause);
    } finally {
      await queryClient.invalidateQueries({ queryKey: accountKeys.all });
      setStep("report");
    }
  };

  const restart = () => {
    setStep("choose");
    setFile(null);
    setSplit(null);
    setPreview(null);
    setReport(null);
    setProblem(null);
    setProgress({ done: 0, total: 0 });
  };

  const toApply = preview ? preview.report.created + preview.report.updated : 0;

  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/crm/accounts" size="sm">
          Customer accounts
        </Anchor>
        <Text size="sm">Import</Text>
      </Breadcrumbs>
      <PageHeader
        title="Import accounts from CSV"
        description="Creates or updates accounts from a CRM export, matched by external id. A preview shows what each row would do before anything changes."
      />
      <Stepper active={stepIndex[step]} allowNextStepsSelect={false} size="sm" maw={960}>
        <Stepper.Step label="Choose a file">
          <Stack maw={720} mt="md">
            <FileInput
              label="CSV file"
              description="The first row names the columns. Commas or semicolons."
              placeholder="Choose a .csv file"
              accept=".csv,text/csv"
              leftSection={<IconFileTypeCsv size={18} />}
              value={file}
              onChange={(chosen) => void choose(chosen)}
              clearable
            />
            {split && (
              <Text size="sm" c="dimmed">
                {split.records.length} data row{split.records.length === 1 ? "" : "s"} found.
              </Text>
            )}
            <ProblemAlert problem={problem} title="The file was refused" />
            <ColumnsHelp />
            <Group>
              <Button onClick={() => void runPreview()} disabled={!split} loading={busy}>
                Preview
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>
        <Stepper.Step label="Preview">
          {preview && (
            <Stack mt="md">
              <Summary report={preview.report} future />
              <RowsTable rows={preview.report.rows} />
              <DownloadRejected report={preview.report} split={split} />
              <Group>
                <Button variant="default" onClick={restart}>
                  Choose another file
                </Button>
                <Button onClick={() => void runRealImport()} disabled={toApply === 0}>
                  {toApply === 0 ? "Nothing to import" : `Import ${toApply} row${toApply === 1 ? "" : "s"}`}
                </Button>
              </Group>
            </Stack>
          )}
        </Stepper.Step>
        <Stepper.Step label="Import">
          <Stack mt="md" maw={720}>
            <Text size="sm" id="import-progress-label">
              Importing… {progress.done} of {progress.total} rows
            </Text>
            <Progress
              value={progress.total ? (100 * progress.done) / progress.total : 0}
              size="xl"
              animated
              aria-labelledby="import-progress-label"
            />
          </Stack>
        </Stepper.Step>
        <Stepper.Completed>
          {report && (
            <Stack mt="md">
              {problem ? (
                <ProblemAlert
                  problem={problem}
                  title={`The import stopped after ${progress.done} of ${progress.total} rows`}
                  hint="Rows imported before the failure stay imported. Importing the same file again is safe: rows already in show as unchanged."
                />
              ) : (
                <Alert color="green" variant="light" title="Import finished" />
              )}
              <Summary report={report} />
              <RowsTable rows={report.rows} />
              <DownloadRejected report={report} split={split} />
              <Group>
                <Button component={Link} to="/crm/accounts">
                  Go to the accounts
                </Button>
                <Button variant="default" onClick={restart}>
                  Import another file
                </Button>
              </Group>
            </Stack>
          )}
        </Stepper.Completed>
      </Stepper>
    </Stack>
  );
}

function ProblemAlert({ problem, title, hint }: { problem: unknown; title: string; hint?: string }) {
  if (!problem) return null;
  const requestId = problem instanceof ApiError ? problem.requestId : undefined;
  return (
    <Alert color="red" variant="light" title={title} role="alert">
      <Text size="sm">{errorMessage(problem)}</Text>
      {hint && (
        <Text size="sm" mt={4}>
          {hint}
        </Text>
      )}
      {requestId && (
        <Text size="xs" c="dimmed" mt={4}>
          Request id <Code>{requestId}</Code>
        </Text>
      )}
    </Alert>
  );
}

function Summary({ report, future }: { report: ImportReport; future?: boolean }) {
  const items: [ImportRow["outcome"], string, number][] = [
    ["created", future ? "to create" : "created", report.created],
    ["updated", future ? "to update" : "updated", report.updated],
    ["unchanged", "unchanged", report.unchanged],
    ["rejected", future ? "will be rejected" : "rejected", report.rejected],
  ];
  return (
    <SimpleGrid cols={{ base: 2, sm: 4 }} maw={720} data-testid="import-summary">
      {items.map(([outcome, label, count]) => (
        <Card key={outcome} withBorder padding="sm">
          <Text size="xl" fw={700} c={count > 0 ? outcomeColor[outcome] : "dimmed"}>
            {count}
          </Text>
          <Text size="sm" c="dimmed">
            {label}
          </Text>
        </Card>
      ))}
    </SimpleGrid>
  );
}

const pageSize = 50;

function RowsTable({ rows }: { rows: ImportRow[] }) {
  const [filter, setFilter] = useState<"all" | ImportRow["outcome"]>(
    rows.some((row) => row.outcome === "rejected") ? "rejected" : "all",
  );
  const [page, setPage] = useState(1);
  const shown = filter === "all" ? rows : rows.filter((row) => row.outcome === filter);
  return (
    <Stack gap="xs">
      <SegmentedControl
        aria-label="Show rows"
        w="fit-content"
        value={filter}
        onChange={(value) => {
          setFilter(value as typeof filter);
          setPage(1);
        }}
        data={[
          { value: "all", label: "All rows" },
          { value: "rejected", label: "Rejected" },
          { value: "created", label: "Created" },
          { value: "updated", label: "Updated" },
          { value: "unchanged", label: "Unchanged" },
        ]}
      />
      <DataTable<ImportRow>
        withTableBorder
        minHeight={150}
        idAccessor="row"
        records={shown.slice((page - 1) * pageSize, page * pageSize)}
        totalRecords={shown.length}
        recordsPerPage={pageSize}
        page={page}
        onPageChange={setPage}
        noRecordsText="No rows"
        columns={[
          { accessor: "row", title: "Row", width: 70, noWrap: true },
          { accessor: "externalId", title: "External id", render: (row) => row.externalId ?? "—" },
          { accessor: "name", title: "Name", render: (row) => row.name ?? "—" },
          {
            // The badge keeps its whole word ("REJECT…" was cut): the cell takes its width.
            accessor: "outcome",
            title: "Outcome",
            noWrap: true,
            render: (row) => (
              <Badge color={outcomeColor[row.outcome]} variant="light" size="sm">
                {row.outcome}
              </Badge>
            ),
          },
          { accessor: "reason", title: "Reason", render: (row) => row.reason ?? "" },
        ]}
      />
    </Stack>
  );
}

/** "Download rejected rows (CSV)", when there are any: the file is made here, from the report. */
function DownloadRejected({ report, split }: { report: ImportReport; split: SplitCsv | null }) {
  if (report.rejected === 0) return null;
  const download = () => {
    const url = URL.createObjectURL(new Blob([rejectedRowsCsv(report, split)], { type: "text/csv" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "rejected-rows.csv";
    link.click();
    // The download has started from the click: the object URL is no longer needed.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };
  return (
    <Group>
      <Button variant="default" leftSection={<IconDownload size={16} />} onClick={download}>
        Download rejected rows (CSV)
      </Button>
      <Text size="sm" c="dimmed">
        {report.rejected} row{report.rejected === 1 ? "" : "s"}, with the reasons and each row as the file had
        it.
      </Text>
    </Group>
  );
}

function ColumnsHelp() {
  return (
    <Card withBorder padding="sm">
      <Text size="sm" fw={600} mb={4}>
        Columns
      </Text>
      <List size="sm" spacing={2}>
        <List.Item>
          <Code>external id</Code> and <Code>name</Code> are required; rows are matched to accounts by
          external id, so importing the same file twice changes nothing.
        </List.Item>
        <List.Item>
          Optional: <Code>type</Code> (customer or prospect), <Code>country</Code> (e.g. FR),{" "}
          <Code>sales owner</Code>, <Code>notes</Code>, and one contact per row: <Code>contact name</Code>,{" "}
          <Code>contact email</Code>, <Code>contact role</Code>.
        </List.Item>
        <List.Item>
          An import promotes a prospect to customer but never demotes a customer. Empty cells leave fields as
          they are.
        </List.Item>
      </List>
    </Card>
  );
}
