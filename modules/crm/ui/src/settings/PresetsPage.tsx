import type { Preset } from "@licensing/contracts";
import { Can, formatDateTime, PageHeader, QueryError } from "@licensing/ui/kit";
import { Anchor, Badge, Button, Group, Loader, Stack, Table, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import { Link } from "react-router";
import { usePresets } from "./api.ts";

/** What a preset sets, in a few words ("test · 30 days · 3 activations"). */
export function presetSummary(preset: Preset): string {
  const p = preset.parameters;
  const parts: string[] = [];
  if (p.kind) parts.push(p.kind);
  if (p.internal) parts.push("internal");
  if (p.durationDays !== undefined) parts.push(`${p.durationDays} days`);
  if (p.endDate === null) parts.push("no end");
  else if (p.endDate) parts.push(`ends ${p.endDate.slice(0, 10)}`);
  if (p.availableActivations !== undefined)
    parts.push(
      p.availableActivations === -1 ? "unlimited activations" : `${p.availableActivations} activations`,
    );
  if (p.seats) parts.push(p.seats === -1 ? "unlimited seats" : `${p.seats} seats`);
  return parts.length ? parts.join(" · ") : "the product's defaults";
}

export function PresetsPage() {
  const presets = usePresets();
  return (
    <Stack maw={1100}>
      <PageHeader
        title="Presets"
        description="Named sets of license parameters behind the generator's quick-generate buttons. What a preset leaves out follows the main product's defaults."
        actions={
          <Can action="preset.write">
            <Button component={Link} to="/settings/presets/new" leftSection={<IconPlus size={16} />}>
              New preset
            </Button>
          </Can>
        }
      />
      {presets.isPending ? (
        <Loader />
      ) : presets.error ? (
        <QueryError error={presets.error} retry={() => void presets.refetch()} />
      ) : presets.data.length === 0 ? (
        <Text c="dimmed">No presets yet.</Text>
      ) : (
        <Table highlightOnHover withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Products</Table.Th>
              <Table.Th>Sets</Table.Th>
              <Table.Th>Changed</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {presets.data.map((preset) => (
              <Table.Tr key={preset.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/settings/presets/${preset.id}`} fw={500} size="sm">
                    {preset.name}
                  </Anchor>
                  {preset.description && (
                    <Text size="xs" c="dimmed">
                      {preset.description}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {preset.parameters.products.map((code) => (
                      <Badge key={code} variant="light" size="sm">
                        {code}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{presetSummary(preset)}</Text>
                </Table.Td>
                <Table.Td>{formatDateTime(preset.updatedAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
