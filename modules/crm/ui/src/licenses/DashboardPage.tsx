import { KpiCard } from "../KpiCard.tsx";
import "@mantine/charts/styles.css";
import { type Dashboard, type LicenseStatus, licenseStatuses } from "@licensing/contracts";
import { Can, formatDateTime, PageHeader, QueryError } from "@licensing/ui/kit";
import { BarChart, DonutChart } from "@mantine/charts";
import {
  Anchor,
  Card,
  ColorSwatch,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import type { ReactNode } from "react";
import { Link, useNavigate } from "react-router";
import { useProductNames } from "../products/api.ts";
import { UsageFigures } from "../usage/UsageFigures.tsx";
import { useDashboard } from "./api.ts";
import { licensesLink, localDay } from "./filters.ts";

// The issuer's figures, each a way into the licenses table filtered to what it counts.

const kindSeries = [
  { name: "commercial", label: "Commercial", color: "indigo.6" },
  { name: "test", label: "Test", color: "grape.5" },
];
const palette = ["indigo.6", "teal.6", "orange.6", "grape.6", "cyan.6", "pink.6", "lime.6", "yellow.6"];
/** A palette entry ("teal.6") as the CSS colour the chart draws it with. */
const cssColor = (color: string) => `var(--mantine-color-${color.replace(".", "-")})`;

/** A week as a short axis label ("12 Jan"): 26 of them fit under a chart, slanted, none skipped. */
const weekLabel = (week: string) =>
  new Date(`${week}T00:00:00`).toLocaleDateString(undefined, { day: "numeric", month: "short" });

// Every week gets its tick (recharts drops those it thinks crowded), slanted to fit (Mantine's own
// tick style moves the text by a transform, which would undo the slant: it is replaced); counts are
// whole numbers.
const weekAxis = {
  interval: 0,
  height: 44,
  tick: { fontSize: 10, fill: "currentColor", angle: -60, textAnchor: "end" },
} as const;
const countAxis = { allowDecimals: false, interval: 0 } as const;

export function DashboardPage() {
  const dashboard = useDashboard();
  if (dashboard.data) return <DashboardView data={dashboard.data} />;
  // The usage figures come from another service: they show whatever happens to the issuer's.
  return (
    <Stack>
      <PageHeader title="Dashboard" />
      {dashboard.error ? (
        <QueryError error={dashboard.error} retry={() => void dashboard.refetch()} />
      ) : (
        <Loader />
      )}
      <Can action="usage.read">
        <UsageFigures />
      </Can>
    </Stack>
  );
}

function Panel({
  title,
  link,
  children,
}: {
  title: string;
  link?: { to: string; label: string };
  children: ReactNode;
}) {
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h5">
          {title}
        </Title>
        {link && (
          <Anchor component={Link} to={link.to} size="xs">
            {link.label}
          </Anchor>
        )}
      </Group>
      {children}
    </Card>
  );
}

const countOf = (list: { key: string; count: number }[], key: string) =>
  list.find((c) => c.key === key)?.count ?? 0;

/** The index a chart click landed on (recharts gives a number, or its text). */
const clickedIndex = (state: { activeIndex?: unknown }) => {
  const index = Number(state.activeIndex);
  return Number.isInteger(index) ? index : undefined;
};

function DashboardView({ data }: { data: Dashboard }) {
  const navigate = useNavigate();
  const productNames = useProductNames();
  const today = localDay();
  const ending = (days: number) =>
    licensesLink({
      status: ["active", "expiring"],
      endFrom: today,
      endTo: localDay(new Date(), days - 1),
      sort: "endDate",
      order: "asc",
    });
  const weeks = data.issuedPerWeek.map((w) => ({ ...w, label: weekLabel(w.week) }));
  const weekLink = (week: string, kind?: "commercial" | "test") =>
    licensesLink({
      createdFrom: week,
      createdTo: localDay(new Date(`${week}T00:00:00`), 6),
      ...(kind ? { kind } : {}),
    });
  const expiring = data.expiringPerWeek.map((w) => ({ ...w, label: weekLabel(w.week) }));
  const products = data.byProduct.map((p, i) => ({
    name: productNames.get(p.key) ?? p.key,
    code: p.key,
    value: p.count,
    color: palette[i % palette.length]!,
  }));
  return (
    <Stack>
      <PageHeader
        title="Dashboard"
        description={`Licenses as of ${formatDateTime(data.at)}. Every figure opens the licenses it counts.`}
      />
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
        <KpiCard label="Licenses" value={data.total} to={licensesLink({})} />
        <KpiCard
          label="Commercial"
          value={countOf(data.byKind, "commercial")}
          to={licensesLink({ kind: "commercial" })}
        />
        <KpiCard label="Test" value={countOf(data.byKind, "test")} to={licensesLink({ kind: "test" })} />
        <KpiCard label="Internal use" value={data.internal} to={licensesLink({ internal: "true" })} />
        <KpiCard label="Ending ≤ 30 days" value={data.expiringWithin.d30} to={ending(30)} />
        <KpiCard
          label="Ending ≤ 90 days"
          value={data.expiringWithin.d90}
          to={ending(90)}
          hint={`${data.expiringWithin.d60} within 60 days`}
        />
      </SimpleGrid>
      <Panel title="By status">
        <Group gap="lg">
          {licenseStatuses.map((status: LicenseStatus) => (
            <Anchor key={status} component={Link} to={licensesLink({ status: [status] })}>
              <Text span fw={700}>
                {countOf(data.byStatus, status).toLocaleString()}
              </Text>{" "}
              <Text span size="sm" c="dimmed">
                {status}
              </Text>
            </Anchor>
          ))}
        </Group>
      </Panel>
      <Can action="usage.read">
        <UsageFigures />
      </Can>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Panel
          title="Issued per week, by kind"
          link={{
            to: licensesLink({ createdFrom: weeks[0]?.week ?? today }),
            label: "Last 26 weeks in the table",
          }}
        >
          <BarChart
            h={260}
            data={weeks}
            dataKey="label"
            type="stacked"
            series={kindSeries}
            withLegend
            xAxisProps={weekAxis}
            yAxisProps={countAxis}
            barChartProps={{
              onClick: (state) => {
                const week = weeks[clickedIndex(state) ?? -1];
                if (week) navigate(weekLink(week.week));
              },
              style: { cursor: "pointer" },
            }}
          />
        </Panel>
        <Panel title="Ending in the next 90 days, per week" link={{ to: ending(90), label: "Open them" }}>
          <BarChart
            h={260}
            data={expiring}
            dataKey="label"
            series={[{ name: "count", label: "Ending", color: "orange.6" }]}
            xAxisProps={weekAxis}
            yAxisProps={countAxis}
            barChartProps={{
              onClick: (state) => {
                const week = expiring[clickedIndex(state) ?? -1];
                if (week)
                  navigate(
                    licensesLink({
                      status: ["active", "expiring"],
                      endFrom: week.week,
                      endTo: localDay(new Date(`${week.week}T00:00:00`), 6),
                      sort: "endDate",
                      order: "asc",
                    }),
                  );
              },
              style: { cursor: "pointer" },
            }}
          />
        </Panel>
        <Panel title="By product">
          <Group align="flex-start" wrap="nowrap">
            <DonutChart data={products} size={180} thickness={26} withTooltip />
            {/* The donut's colour key: each product's colour beside its name and count. */}
            <Table aria-label="Licenses by product">
              <Table.Tbody>
                {products.map((p) => (
                  <Table.Tr key={p.code}>
                    <Table.Td w={28} pr={0}>
                      <ColorSwatch color={cssColor(p.color)} size={14} aria-hidden />
                    </Table.Td>
                    <Table.Td>
                      <Anchor component={Link} to={licensesLink({ product: p.code })} size="sm">
                        {p.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td ta="right">{p.value.toLocaleString()}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Group>
        </Panel>
        <Panel title="Top accounts">
          <Table>
            <Table.Tbody>
              {data.topAccounts.map((a) => (
                <Table.Tr key={a.accountId}>
                  <Table.Td>
                    <Anchor component={Link} to={licensesLink({ accountId: a.accountId })} size="sm">
                      {a.accountName}
                    </Anchor>
                  </Table.Td>
                  <Table.Td ta="right">{a.count.toLocaleString()}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {data.topAccounts.length === 0 && (
            <Text size="sm" c="dimmed">
              No licenses yet.
            </Text>
          )}
        </Panel>
      </SimpleGrid>
    </Stack>
  );
}
