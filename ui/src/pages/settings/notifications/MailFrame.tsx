import { Alert, SegmentedControl, Stack, Text } from "@mantine/core";
import { useState } from "react";

/**
 * An email's HTML in a sandboxed frame (no scripts, no same-origin access, no navigation out of
 * the frame), or its text part. The HTML is shown exactly as it is sent.
 */
export function MailFrame({
  html,
  text,
  title,
}: {
  html: string | null;
  text: string | null;
  title: string;
}) {
  const [part, setPart] = useState<"html" | "text">(html !== null ? "html" : "text");
  return (
    <Stack gap="xs">
      <SegmentedControl
        size="xs"
        w={200}
        value={part}
        onChange={(value) => setPart(value as "html" | "text")}
        data={[
          { value: "html", label: "HTML", disabled: html === null },
          { value: "text", label: "Text", disabled: text === null },
        ]}
        aria-label="Part to show"
      />
      {part === "html" && html !== null ? (
        <iframe
          title={title}
          sandbox=""
          srcDoc={html}
          style={{
            width: "100%",
            height: 560,
            border: "1px solid var(--mantine-color-default-border)",
            borderRadius: 4,
            background: "#fff",
          }}
        />
      ) : text !== null ? (
        <Text
          component="pre"
          size="xs"
          ff="monospace"
          style={{ whiteSpace: "pre-wrap", maxHeight: 560, overflow: "auto" }}
          p="sm"
          bg="var(--mantine-color-default-hover)"
        >
          {text}
        </Text>
      ) : (
        <Alert variant="light">This message has no {part} part.</Alert>
      )}
    </Stack>
  );
}
