import { Button, FileButton, Group, Textarea, type TextareaProps } from "@mantine/core";
import { IconUpload } from "@tabler/icons-react";
import type { ReactNode } from "react";

const monospace = { input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 12 } };

/**
 * A document an operator pastes (a license file, a delegation request): a monospace textarea, and
 * under it a "Load from a file" button that fills it with a chosen file's text, `children` (the
 * form's submit button) at the other end of that row. Spread `form.getInputProps(…)` into it.
 */
export function TextFileField({
  value,
  onChange,
  accept,
  children,
  ...textarea
}: Omit<TextareaProps, "value" | "onChange" | "children"> & {
  value?: string;
  onChange: (value: string) => void;
  /** The file chooser's filter, as the input's `accept`. */
  accept: string;
  children?: ReactNode;
}) {
  return (
    <>
      <Textarea
        autosize
        minRows={6}
        maxRows={14}
        spellCheck={false}
        styles={monospace}
        {...textarea}
        value={value}
        onChange={(event) => onChange(event.currentTarget.value)}
      />
      <Group justify="space-between">
        <FileButton onChange={async (file) => file && onChange(await file.text())} accept={accept}>
          {(props) => (
            <Button variant="default" leftSection={<IconUpload size={16} />} {...props}>
              Load from a file
            </Button>
          )}
        </FileButton>
        {children}
      </Group>
    </>
  );
}
