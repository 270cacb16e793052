import { Alert, Button, Group, List, Modal, Stack, Text, Textarea } from "@mantine/core";
import { useRef, useState } from "react";
import type { MetadataCheck } from "./metadata-json.ts";

/** Problems with metadata given as JSON: one as a sentence, several as a list. */
export function Problems({ problems }: { problems: string[] }) {
  if (problems.length === 1) return <Text size="sm">{problems[0]}</Text>;
  return (
    <List size="sm" spacing={2}>
      {problems.map((problem) => (
        <List.Item key={problem}>{problem}</List.Item>
      ))}
    </List>
  );
}

/**
 * The metadata as JSON text. The textarea is left to the browser (uncontrolled): 2 MiB of text
 * re-rendered on every keystroke would be slow; it is read once, on Apply.
 */
export function MetadataJsonEditor({
  text,
  onClose,
  onApply,
}: {
  text: string | null;
  onClose: () => void;
  onApply: (text: string) => MetadataCheck;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const close = () => {
    setProblems([]);
    onClose();
  };
  return (
    <Modal opened={text !== null} onClose={close} title="Metadata as JSON" size="xl" centered>
      <Stack>
        <Text size="sm">
          One object of keys (codes: lower-case letters, digits, '.', '_' or '-') and text values of at most
          2,000 characters. Apply replaces the metadata.
        </Text>
        <Textarea
          ref={area}
          aria-label="Metadata as JSON"
          defaultValue={text ?? ""}
          rows={18}
          spellCheck={false}
          styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 12 } }}
          data-autofocus
        />
        {problems.length > 0 && (
          <Alert color="red" variant="light" role="alert">
            <Problems problems={problems} />
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button
            onClick={() => {
              const check = onApply(area.current?.value ?? "");
              setProblems(check.ok ? [] : check.problems);
            }}
          >
            Apply
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
