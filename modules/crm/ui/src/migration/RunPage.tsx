import type { MigrationRun } from "@licensing/contracts";
import { errorMessage, formatDateTime, missing, PageHeader, QueryError, reveal } from "@licensing/ui/kit";
import {
  Alert,
  Anchor,
  Breadcrumbs,
  Button,
  Card,
  Code,
  Group,
  Loader,
  Progress,
  Stack,
  Text,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { IconDownload } from "@tabler/icons-react";
import { useQueryClient } from "@tanstack/react-query";
import { type Ref, useEffect, useRef, useState } from "react";
import { Link, useLocation, useParams } from "react-router";
import { migrationKeys, runPath, useRollback, useRun } from "./api.ts";
import { CancelRunButton } from "./CancelRunButton.tsx";
import { RollbackButton } from "./RollbackButton.tsx";
import { RunIssues } from "./RunIssues.tsx";
import { RunReport } from "./RunReport.tsx";
import { StateBadge } from "./RunsTable.tsx";
import {
  finishedAnnouncement,
  phaseNames,
  progressPercent,
  progressText,
  runTitle,
  sourceNames,
} from "./run-text.ts";

/** What the migration page hands over when it has just started the run. */
export interface RunPageState {
  started?: boolean;
}

export function RunPage() {
  const { runId = "" } = useParams();
  const run = useRun(runId);
  return (
    <Stack maw={1200}>
      <Breadcrumbs>
        <Anchor component={Link} to="/settings/migration" size="sm">
          Migration
        </Anchor>
        <Text size="sm">Run</Text>
      </Breadcrumbs>
      {/* A reading of a running run that fails keeps the last one shown, with the failure above it
          (the next reading may well succeed: the interval goes on). */}
      {run.data ? (
        <>
          {run.isRefetchError && (
            <Alert color="orange" variant="light" title="The run's progress could not be read">
              {errorMessage(run.error)} Trying again.
            </Alert>
          )}
          <RunDetail key={run.data.id} run={run.data} />
        </>
      ) : run.error ? (
        <QueryError error={run.error} retry={() => void run.refetch()} missing={missing.migrationRun} />
      ) : (
        <Loader />
      )}
    </Stack>
  );
}

function RunDetail({ run }: { run: MigrationRun }) {
  const queryClient = useQueryClient();
  const location = useLocation();
  const justStarted = (location.state as RunPageState | null)?.started === true;
  const [announcement, setAnnouncement] = useState(justStarted ? `${runTitle(run)} started.` : "");
  const heading = useRef<HTMLDivElement>(null);
  const outcome = useRef<HTMLDivElement>(null);
  const watched = useRef(run.state === "running");
  const [focusAsked, setFocusAsked] = useState<{ target: "heading" | "outcome"; n: number }>(
    justStarted ? { target: "heading", n: 1 } : { target: "outcome", n: 0 },
  );
  // Just started: the focus goes to the run's title, so a screen reader reads where it now is; once
  // finished (or rolled back) while watched, to its outcome.
  useEffect(() => {
    if (focusAsked.n === 0) return;
    reveal(focusAsked.target === "heading" ? heading.current : outcome.current);
  }, [focusAsked]);
  // Here rather than in the button, which is gone once the run is rolled back.
  const rollback = useRollback(run.id);
  const announceOutcome = (finished: MigrationRun) => {
    setAnnouncement(finishedAnnouncement(finished));
    setFocusAsked((last) => ({ target: "outcome", n: last.n + 1 }));
  };

  // A run seen running that has finished: say so, show its outcome, and read what grew while it ran
  // (its issues, the runs table, the account questions) again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: on each new reading of the run
  useEffect(() => {
    if (run.state === "running") {
      watched.current = true;
      return;
    }
    if (!watched.current) return;
    watched.current = false;
    announceOutcome(run);
    void queryClient.invalidateQueries({ queryKey: migrationKeys.issues(run.id) });
    void queryClient.invalidateQueries({ queryKey: ["migration", "runs"] });
    void queryClient.invalidateQueries({ queryKey: ["migration", "questions"] });
  }, [run, queryClient]);

  return (
    <Stack>
      <VisuallyHidden role="status" aria-live="polite" aria-atomic="true">
        {announcement}
      </VisuallyHidden>
      <div ref={heading} tabIndex={-1}>
        <PageHeader
          title={
            <Group gap="sm" component="span">
              {runTitle(run)} <StateBadge run={run} />
            </Group>
          }
          description={
            <>
              Started by {run.startedBy}, {formatDateTime(run.startedAt)}
              {run.finishedAt ? `; finished ${formatDateTime(run.finishedAt)}` : ""}. Reads{" "}
              <Code>{run.location}</Code> with the{" "}
              {run.mapping === "default" ? "default mapping" : `custom mapping (${run.mapping})`}.
            </>
          }
          actions={
            <>
              <Button
                component="a"
                href={runPath(run.id, "/report.csv")}
                download
                variant="default"
                leftSection={<IconDownload size={16} />}
              >
                Download report (CSV)
              </Button>
              {run.state === "running" && <CancelRunButton run={run} />}
              {run.mode === "apply" && run.state === "done" && (
                <RollbackButton run={run} rollback={rollback} onRolledBack={announceOutcome} />
              )}
            </>
          }
        />
      </div>
      {run.state === "running" ? <RunProgress run={run} /> : <Outcome run={run} ref={outcome} />}
      <RunReport run={run} />
      <RunIssues runId={run.id} />
    </Stack>
  );
}

function RunProgress({ run }: { run: MigrationRun }) {
  const percent = progressPercent(run);
  return (
    <Card withBorder component="section" aria-labelledby="run-progress-title">
      <Stack gap="xs">
        <Title order={2} size="h4" id="run-progress-title">
          {phaseNames[run.phase]}…
        </Title>
        <Progress.Root size="xl">
          {/* Until the accounts phase has read every row the share is unknown: a bar without a value. */}
          <Progress.Section
            value={percent ?? 100}
            striped={percent === null}
            animated
            withAria={percent !== null}
            {...(percent === null ? { role: "progressbar", "aria-valuetext": phaseNames[run.phase] } : {})}
            aria-labelledby="run-progress-title"
          />
        </Progress.Root>
        <Text size="sm">{progressText(run)}</Text>
        {run.resumedAtRow !== null && (
          <Text size="sm" c="dimmed">
            Resumed an interrupted apply at row {run.resumedAtRow}.
          </Text>
        )}
      </Stack>
    </Card>
  );
}

/**
 * How the run ended. A region (named by its title) rather than an alert: the focus moves to it and
 * the live region above says it once; an alert would say it a second time.
 */
function Outcome({ run, ref }: { run: MigrationRun; ref: Ref<HTMLDivElement> }) {
  const source = sourceNames[run.source];
  const shared = { ref, tabIndex: -1, role: "region", variant: "light" } as const;
  switch (run.state) {
    case "failed":
      return (
        <Alert {...shared} color="red" title={`${runTitle(run)} failed`}>
          {run.error ?? "The service gave no reason."}
        </Alert>
      );
    case "interrupted":
      return (
        <Alert {...shared} color="orange" title={`${runTitle(run)} was interrupted`}>
          {run.error && <Text size="sm">{run.error}.</Text>}
          {run.mode === "apply"
            ? `It stopped after ${run.counts.rows} rows. Applying ${source} again resumes where it stopped.`
            : `It stopped after ${run.counts.rows} rows. Start another dry run for a full report.`}
        </Alert>
      );
    case "rolled_back":
      return (
        <Alert {...shared} color="gray" title={`${runTitle(run)} was rolled back`}>
          The licenses it created were removed.
        </Alert>
      );
    default:
      return (
        <Alert {...shared} color="green" title={`${runTitle(run)} finished`}>
          {run.mode === "dry-run"
            ? "Nothing was changed. Read the report and the issues, then apply when they are what you expect."
            : "The licenses are in. Download the report to keep a record of the rows left out."}
        </Alert>
      );
  }
}
