import { Card, Text } from "@mantine/core";
import { Link } from "react-router";

/** A key figure as a card that links to what it counts (the dashboard's and the usage figures). */
export function KpiCard({
  label,
  value,
  to,
  hint,
}: {
  label: string;
  value: number;
  to: string;
  hint?: string;
}) {
  return (
    <Card
      withBorder
      component={Link}
      to={to}
      aria-label={`${label}: ${value}`}
      style={{ textDecoration: "none" }}
    >
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fz={28} fw={700} c="var(--mantine-color-text)">
        {value.toLocaleString()}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Card>
  );
}
