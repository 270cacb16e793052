import { MAX_RELEASE_NOTES_LENGTH } from "@licensing/contracts";
import { Tabs, Text, Textarea, Typography } from "@mantine/core";
import type { ReactNode } from "react";
import Markdown from "react-markdown";

/** Release notes as the products' users will read them. react-markdown renders no raw HTML. */
export function NotesView({ notes }: { notes: string }) {
  if (!notes.trim())
    return (
      <Text size="sm" c="dimmed">
        No notes.
      </Text>
    );
  return (
    <Typography>
      <Markdown>{notes}</Markdown>
    </Typography>
  );
}

/** The notes as Markdown, with a Preview tab that shows them rendered. */
export function NotesEditor({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  error?: ReactNode;
}) {
  return (
    <Tabs defaultValue="write" keepMounted={false}>
      <Tabs.List aria-label="Release notes">
        <Tabs.Tab value="write">Write</Tabs.Tab>
        <Tabs.Tab value="preview">Preview</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="write" pt="xs">
        <Textarea
          label="Release notes (Markdown)"
          description="What is new and what is fixed; shown to the products' users before they update."
          autosize
          minRows={6}
          maxRows={20}
          maxLength={MAX_RELEASE_NOTES_LENGTH}
          value={value}
          onChange={(event) => onChange(event.currentTarget.value)}
          error={error}
        />
      </Tabs.Panel>
      <Tabs.Panel value="preview" pt="xs">
        <NotesView notes={value} />
      </Tabs.Panel>
    </Tabs>
  );
}
