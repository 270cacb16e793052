import { Alert, Stack, Text, Title } from "@mantine/core";
import { IconHourglassHigh } from "@tabler/icons-react";

/** A page whose feature is not built yet, saying so plainly and saying when it comes. */
export function PlaceholderPage({
  title,
  arrives,
  children,
}: {
  title: string;
  arrives: string;
  children?: string;
}) {
  return (
    <Stack maw={720}>
      <Title order={1} size="h2">
        {title}
      </Title>
      <Alert
        variant="light"
        color="blue"
        icon={<IconHourglassHigh />}
        title={`Not available yet: ${arrives}`}
      >
        {children && <Text size="sm">{children}</Text>}
      </Alert>
    </Stack>
  );
}
