import type { IssuedLicense } from "@licensing/contracts";
import { CopyKey } from "@licensing/ui/kit";
import { Alert, Anchor, Button, Code, CopyButton, Group, Stack, Table, Text } from "@mantine/core";
import { IconCopy, IconDownload } from "@tabler/icons-react";
import type { Ref } from "react";
import { Link } from "react-router";

/** Saves text as a file the browser downloads (the file is already in hand: no second request). */
export function saveText(text: string, filename: string, type = "text/plain"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

const fileName = (issued: IssuedLicense) => `license-${issued.license.id}-v${issued.license.serial}.lic`;

/**
 * What a creation answered: each license key (shown here once; later only by an audited reveal) with
 * a copy button, and each signed file to download. A named region the page moves the focus to (the
 * page's live region announces it, so it is not an alert of its own: that would be read twice).
 */
export function IssuedLicenses({
  licenses,
  onAnother,
  ref,
}: {
  licenses: IssuedLicense[];
  onAnother?: () => void;
  ref?: Ref<HTMLDivElement>;
}) {
  const [first] = licenses;
  if (!first) return null;
  const single = licenses.length === 1;
  const title = single ? "License created" : `${licenses.length} licenses created`;
  return (
    <Alert
      ref={ref}
      tabIndex={-1}
      role="region"
      aria-label={title}
      color="teal"
      variant="light"
      title={title}
    >
      <Stack gap="sm">
        <Text size="sm">
          {single ? "Its key" : "Their keys"} for {first.license.accountName}. Copy {single ? "it" : "them"}{" "}
          now: afterwards a key is shown only by "Reveal key", which is recorded in the audit trail.
        </Text>
        <Table withRowBorders={!single} verticalSpacing={4}>
          <Table.Tbody>
            {licenses.map((issued) => (
              <Table.Tr key={issued.license.id}>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Code fz="sm" data-testid="license-key">
                      {issued.licenseKey}
                    </Code>
                    <CopyKey value={issued.licenseKey} />
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Group gap="xs" justify="flex-end" wrap="nowrap">
                    <Button
                      size="xs"
                      variant="default"
                      leftSection={<IconDownload size={14} />}
                      onClick={() => saveText(issued.file, fileName(issued))}
                    >
                      Download file
                    </Button>
                    <Anchor component={Link} to={`/crm/licenses/${issued.license.id}`} size="sm">
                      Open
                    </Anchor>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group>
          {!single && (
            <CopyButton value={licenses.map((l) => l.licenseKey).join("\n")}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy} leftSection={<IconCopy size={14} />}>
                  {copied ? "Copied" : "Copy all keys"}
                </Button>
              )}
            </CopyButton>
          )}
          {onAnother && (
            <Button size="xs" onClick={onAnother}>
              Generate another
            </Button>
          )}
        </Group>
      </Stack>
    </Alert>
  );
}
