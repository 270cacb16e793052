import { Group } from "@mantine/core";
import { AnswerRequest } from "./AnswerRequest.tsx";
import type { DelegationLicense } from "./DelegationPanel.tsx";
import { ImportReceipts } from "./ImportReceipts.tsx";
import { RevokeDelegation } from "./RevokeDelegation.tsx";

/** What an operator with `usage.manage` does with a cockpit's delegation. */
export function DelegationActions({ license }: { license: DelegationLicense }) {
  return (
    <Group gap="sm">
      <AnswerRequest license={license} />
      <ImportReceipts license={license} />
      <RevokeDelegation license={license} />
    </Group>
  );
}
