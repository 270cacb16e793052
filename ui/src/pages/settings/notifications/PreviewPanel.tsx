import { Alert, Button, Group, Loader, Stack, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { QueryError } from "../../../kit/QueryError.tsx";
import { usePreview } from "./api.ts";
import { MailFrame } from "./MailFrame.tsx";

/** Today's date in `timeZone` (YYYY-MM-DD), the day whose digest the preview shows first. */
function today(timeZone: string): string {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

/** A day's digest as the notifier renders it for sending (the saved settings, not the form's). */
export function PreviewPanel({ timeZone }: { timeZone: string }) {
  const [day, setDay] = useState(() => today(timeZone));
  const preview = usePreview(day);
  return (
    <Stack>
      <Group align="flex-end">
        <TextInput
          type="date"
          label="Digest of"
          description={`A day in ${timeZone}`}
          value={day}
          onChange={(event) => event.currentTarget.value && setDay(event.currentTarget.value)}
        />
        <Button variant="default" onClick={() => void preview.refetch()} loading={preview.isFetching}>
          Refresh
        </Button>
      </Group>
      {preview.isPending ? (
        <Loader />
      ) : preview.error ? (
        <QueryError error={preview.error} retry={() => void preview.refetch()} />
      ) : (
        <Stack gap="xs">
          <Text size="sm">
            <b>Subject:</b> {preview.data.subject}
          </Text>
          <Text size="sm">
            <b>To:</b> {preview.data.to.join(", ") || "nobody yet: add recipients"}
            {preview.data.cc.length > 0 && (
              <>
                {" "}
                · <b>Cc:</b> {preview.data.cc.join(", ")}
              </>
            )}
          </Text>
          {preview.data.truncated && (
            <Alert color="orange" variant="light">
              The digest lists {preview.data.total} licenses, too many to preview whole: the preview shows the
              first {preview.data.rows.length}. The email carries them all.
            </Alert>
          )}
          <MailFrame title="Digest preview" html={preview.data.html} text={preview.data.text} />
        </Stack>
      )}
    </Stack>
  );
}
