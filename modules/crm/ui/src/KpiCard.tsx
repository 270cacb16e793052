import { Card, Text } from "@mantine/core";
import { Link } from "react-router";

/**
 * A key figure as a card that links to what it counts (the dashboard's and the usage figures). The
 * link is named by what it shows ("Licenses 1,234 …"): a name of its own would differ from the
 * visible label, which speech input users say to follow it (WCAG 2.5.3, label in name).
 */
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
    <Card withBorder component={Link} to={to} style={{ textDecoration: "none" }}>
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
