import type { UsageSummary } from "@licensing/contracts";
import { QueryError } from "@licensing/ui/kit";
import { BarChart } from "@mantine/charts";
import { Anchor, Card, Group, Loader, SimpleGrid, Title } from "@mantine/core";
import { Link, useNavigate } from "react-router";
import { KpiCard } from "../KpiCard.tsx";
import { useUsageSummary } from "./api.ts";
import { usageLink, utcDay } from "./report-filters.ts";

const days = 30;

/** The dashboard's usage section: the distribution service's figures, each a way into the usage report. */
export function UsageFigures() {
  const summary = useUsageSummary(days);
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h5">
          Usage, last {days} days
        </Title>
        <Anchor component={Link} to={usageLink({})} size="xs">
          Open the usage report
        </Anchor>
      </Group>
      {summary.isPending ? (
        <Loader size="sm" />
      ) : summary.error ? (
        <QueryError error={summary.error} retry={() => void summary.refetch()} />
      ) : (
        <UsageView summary={summary.data} />
      )}
    </Card>
  );
}

/** A UTC day as a short axis label ("5 Nov"), so all 30 fit. */
const shortDay = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, {
    day: "numeric",
    month: "short",
    timeZone: "UTC",
  });

// Every day gets its tick (recharts drops those it thinks crowded), slanted to fit, as on the
// dashboard's week charts (Mantine's tick style, whose transform would undo the slant, is replaced).
const dayAxis = {
  interval: 0,
  height: 44,
  tick: { fontSize: 10, fill: "currentColor", angle: -60, textAnchor: "end" },
} as const;

function UsageView({ summary: s }: { summary: UsageSummary }) {
  const navigate = useNavigate();
  const range = { from: s.from.slice(0, 10), to: utcDay(new Date(s.to), -1) };
  const report = usageLink({ ...range, bucket: "day" });
  const data = s.daily.map((d) => ({ ...d, label: shortDay(d.day) }));
  return (
    <>
      <SimpleGrid cols={{ base: 2, lg: 4 }} mb="md">
        <KpiCard
          label="Units consumed"
          value={s.unitsConsumed}
          to={report}
          hint={`last ${days} days (UTC)`}
        />
        <KpiCard label="Executions" value={s.executions} to={report} hint={`last ${days} days (UTC)`} />
        <KpiCard
          label="Active machines"
          value={s.activeMachines}
          to={report}
          hint="holding an activation now"
        />
        <KpiCard
          label="Fleet leases held"
          value={s.leasesHeld}
          to={report}
          hint="collectors holding a seat now"
        />
      </SimpleGrid>
      <BarChart
        h={160}
        data={data}
        dataKey="label"
        series={[{ name: "unitsConsumed", label: "Units consumed", color: "indigo.6" }]}
        xAxisProps={dayAxis}
        yAxisProps={{ allowDecimals: false, interval: 0 }}
        barChartProps={{
          onClick: (state) => {
            const day = data[Number(state?.activeIndex)];
            if (day) navigate(usageLink({ from: day.day, to: day.day, bucket: "day" }));
          },
          style: { cursor: "pointer" },
        }}
      />
    </>
  );
}
