import "@mantine/charts/styles.css";
import type { UsageBucket, UsagePeriod } from "@licensing/contracts";
import { CompositeChart } from "@mantine/charts";
import { periodLabel } from "./report-filters.ts";

/** The index a chart click landed on (recharts gives a number, or its text). */
const clickedIndex = (state: { activeIndex?: unknown } | null | undefined) => {
  const index = Number(state?.activeIndex);
  return Number.isInteger(index) ? index : undefined;
};

/**
 * Units consumed per period (bars, left axis) and active machines (line, right axis), every account
 * and product of the selection together. A click on a period narrows the report to it.
 */
export function UsageChart({
  periods,
  bucket,
  onPeriod,
}: {
  periods: UsagePeriod[];
  bucket: UsageBucket;
  onPeriod: (period: string) => void;
}) {
  const data = periods.map((p) => ({ ...p, label: periodLabel(p.period, bucket) }));
  return (
    <CompositeChart
      h={280}
      data={data}
      dataKey="label"
      withLegend
      withRightYAxis
      yAxisLabel="Units"
      rightYAxisLabel="Machines"
      yAxisProps={{ allowDecimals: false }}
      rightYAxisProps={{ allowDecimals: false }}
      series={[
        { name: "unitsConsumed", label: "Units consumed", color: "indigo.6", type: "bar" },
        {
          name: "activeMachines",
          label: "Active machines",
          color: "orange.6",
          type: "line",
          yAxisId: "right",
        },
      ]}
      composedChartProps={{
        onClick: (state) => {
          const period = data[clickedIndex(state) ?? -1];
          if (period) onPeriod(period.period);
        },
        style: { cursor: "pointer" },
      }}
    />
  );
}
