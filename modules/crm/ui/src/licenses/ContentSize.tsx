import { Group, Progress, Stack, Text } from "@mantine/core";
import type { UseFormReturnType } from "@mantine/form";
import { type SizeRule, shareText, shortBytes, sizeField, sizeLevel } from "./content-size.ts";
import type { ParameterValues } from "./parameters.ts";

/**
 * The size of what the form would send against its limit, growing as entries are added: a warning
 * when close, the error (the form's own check, or the issuer's 413) when past it.
 */
export function ContentSize({ form, rule }: { form: UseFormReturnType<ParameterValues>; rule: SizeRule }) {
  const bytes = rule.measure(form.values);
  const level = sizeLevel(bytes, rule.limit);
  const error = form.errors[sizeField] ?? (level === "over" ? rule.tooLarge(bytes) : undefined);
  const color = error || level === "over" ? "red" : level === "warn" ? "orange" : "blue";
  const share = Math.min(100, (bytes / rule.limit) * 100);
  return (
    <Stack gap={4} data-testid="content-size">
      <Group justify="space-between" gap="xs">
        <Text size="sm" c={level === "ok" ? "dimmed" : color}>
          {rule.label}: {rule.estimate ? "about " : ""}
          {shortBytes(bytes)} of {shortBytes(rule.limit)} ({shareText(bytes, rule.limit)})
        </Text>
        {level === "warn" && !error && (
          <Text size="sm" c="orange">
            Close to the limit
          </Text>
        )}
      </Group>
      <Progress value={share} color={color} size="sm" aria-label={`${rule.label} size`} />
      {error && (
        <Text size="sm" c="red" role="alert">
          {error}
        </Text>
      )}
    </Stack>
  );
}
