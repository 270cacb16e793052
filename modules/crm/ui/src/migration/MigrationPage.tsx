import type { MigrationRun } from "@licensing/contracts";
import { PageHeader } from "@licensing/ui/kit";
import { Stack } from "@mantine/core";
import { useEffect } from "react";
import { useLocation, useNavigate } from "react-router";
import { AccountQuestions } from "./AccountQuestions.tsx";
import type { RunPageState } from "./RunPage.tsx";
import { RunsTable, runLink } from "./RunsTable.tsx";
import { StartRunForm } from "./StartRunForm.tsx";

/** Settings → Migration: bring the legacy license databases in (issue 14, docs/migration.md). */
export function MigrationPage() {
  const navigate = useNavigate();
  const { hash } = useLocation();
  // The run report's link to the account questions lands on them.
  useEffect(() => {
    if (hash) document.getElementById(hash.slice(1))?.scrollIntoView();
  }, [hash]);
  const started = (run: MigrationRun) =>
    navigate(runLink(run), { state: { started: true } satisfies RunPageState });
  return (
    <Stack maw={1200}>
      <PageHeader
        title="Migration"
        description="Bring in the licenses of Snow Studio, the VBUC CLI License Generator and the VBUC Sales Web Flow. A dry run reports what an apply would do and changes nothing; run one first."
      />
      <StartRunForm onStarted={started} />
      <RunsTable />
      <AccountQuestions />
    </Stack>
  );
}
