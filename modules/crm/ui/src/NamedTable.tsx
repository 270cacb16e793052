import { Table } from "@mantine/core";
import type { ReactNode } from "react";

/**
 * A striped table named by `label` (how a screen reader, and a test, finds it), with a header row
 * of `headers` and `children` as its rows. Narrower than `minWidth` it scrolls within itself: the
 * page keeps to a phone's width.
 */
export function NamedTable({
  label,
  headers,
  minWidth,
  children,
}: {
  label: string;
  headers: readonly string[];
  minWidth: number;
  children: ReactNode;
}) {
  return (
    <Table.ScrollContainer minWidth={minWidth}>
      <Table striped aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            {headers.map((header) => (
              <Table.Th key={header}>{header}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
