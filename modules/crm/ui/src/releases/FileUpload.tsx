import type { ProductRelease } from "@licensing/contracts";
import { Alert, Button, FileButton, Group, Progress, Stack, Text, TextInput, Title } from "@mantine/core";
import { IconPlayerPause, IconPlayerPlay, IconUpload, IconX } from "@tabler/icons-react";
import { useState } from "react";
import { percentOf, progressText, suggestFromFileName } from "./text.ts";
import { useReleaseUpload } from "./upload.ts";

const token = /^[a-z0-9][a-z0-9._-]*$/;
const tokenError = (value: string, what: string) =>
  !value.trim()
    ? `Enter the ${what}`
    : token.test(value.trim())
      ? null
      : "Lower-case letters, digits, . _ - only";

/**
 * A draft's upload area: choose a file, check (or correct) the platform, architecture and type its
 * name suggests, then send it. The File goes to tus as it is, read a chunk at a time.
 */
export function FileUpload({ release, onUploaded }: { release: ProductRelease; onUploaded: () => void }) {
  const { state, start, pause, resume, cancel, reset } = useReleaseUpload(onUploaded);
  const [file, setFile] = useState<File | null>(null);
  const [platform, setPlatform] = useState("");
  const [arch, setArch] = useState("");
  const [fileType, setFileType] = useState("");
  const [tried, setTried] = useState(false);

  const choose = (chosen: File | null) => {
    setFile(chosen);
    setTried(false);
    reset();
    if (!chosen) return;
    const suggestion = suggestFromFileName(chosen.name);
    setPlatform(suggestion.platform);
    setArch(suggestion.arch);
    setFileType(suggestion.fileType);
  };

  const errors = {
    platform: tokenError(platform, "platform, such as windows"),
    arch: tokenError(arch, "architecture, such as x64"),
    fileType: tokenError(fileType, "file type, such as msi"),
  };
  const send = () => {
    setTried(true);
    if (!file || errors.platform || errors.arch || errors.fileType) return;
    void start(file, {
      releaseId: release.id,
      platform: platform.trim(),
      arch: arch.trim(),
      fileType: fileType.trim(),
    });
  };

  const busy = state.status === "uploading" || state.status === "paused" || state.status === "failed";
  return (
    <Stack gap="xs" maw={720}>
      <Title order={3} size="h5">
        Add a file
      </Title>
      <Group gap="sm" align="center">
        <FileButton onChange={choose} disabled={busy}>
          {(props) => (
            <Button {...props} variant="default" leftSection={<IconUpload size={16} />} disabled={busy}>
              Choose file…
            </Button>
          )}
        </FileButton>
        <Text size="sm" c={file ? undefined : "dimmed"} style={{ overflowWrap: "anywhere" }}>
          {file ? file.name : "No file chosen"}
        </Text>
      </Group>
      {file && state.status === "idle" && (
        <>
          <Group gap="sm" align="flex-start" wrap="wrap">
            <TextInput
              label="Platform"
              w={150}
              value={platform}
              onChange={(e) => setPlatform(e.currentTarget.value)}
              error={tried && errors.platform}
            />
            <TextInput
              label="Architecture"
              w={150}
              value={arch}
              onChange={(e) => setArch(e.currentTarget.value)}
              error={tried && errors.arch}
            />
            <TextInput
              label="File type"
              w={150}
              value={fileType}
              onChange={(e) => setFileType(e.currentTarget.value)}
              error={tried && errors.fileType}
            />
          </Group>
          <Group>
            <Button onClick={send}>Upload</Button>
          </Group>
        </>
      )}
      {state.status !== "idle" && (
        <Stack gap={4} role="group" aria-label={`Upload of ${state.fileName}`}>
          <Progress
            value={percentOf(state.sent, state.total)}
            color={state.status === "failed" ? "red" : state.status === "done" ? "green" : "blue"}
            striped={state.status === "uploading"}
            animated={state.status === "uploading"}
            aria-label={`Upload of ${state.fileName}`}
          />
          <Text size="sm" aria-live="polite">
            {state.status === "done"
              ? `${state.fileName} uploaded and checked.`
              : `${progressText(state.sent, state.total)}${state.status === "paused" ? " · paused" : ""}${
                  state.resumed ? " · carried on from an earlier upload" : ""
                }`}
          </Text>
          {state.error && (
            <Alert color="red" variant="light" role="alert" title="The upload stopped">
              {state.error}
            </Alert>
          )}
          <Group gap="xs">
            {state.status === "uploading" && (
              <Button size="xs" variant="default" leftSection={<IconPlayerPause size={14} />} onClick={pause}>
                Pause
              </Button>
            )}
            {(state.status === "paused" || state.status === "failed") && (
              <Button size="xs" variant="default" leftSection={<IconPlayerPlay size={14} />} onClick={resume}>
                Resume
              </Button>
            )}
            {state.status !== "done" && (
              <Button
                size="xs"
                variant="subtle"
                color="red"
                leftSection={<IconX size={14} />}
                onClick={() => void cancel().then(() => choose(null))}
              >
                Cancel upload
              </Button>
            )}
            {state.status === "done" && (
              <Button size="xs" variant="default" onClick={() => choose(null)}>
                Add another file
              </Button>
            )}
          </Group>
        </Stack>
      )}
    </Stack>
  );
}
