import { Button, Group, Select, Text } from "@mantine/core";
import { IconChevronLeft, IconChevronRight } from "@tabler/icons-react";
import { useCallback, useState } from "react";

/**
 * Keyset pagination as the API offers it: a cursor for the next page and none for a total. The pager
 * keeps the cursors of the pages already seen, so "Previous" goes back without the server's help.
 */
export function useCursorPages(resetKey: string, initialLimit = 50) {
  const [state, setState] = useState({ key: resetKey, cursors: [undefined] as (string | undefined)[] });
  const [limit, setLimitState] = useState(initialLimit);
  // New filters start from the first page at once: a cursor belongs to the query that made it, so an
  // old one must never go out with a new query.
  const cursors = state.key === resetKey ? state.cursors : [undefined];
  if (state.key !== resetKey) setState({ key: resetKey, cursors });
  const page = cursors.length;
  const cursor = cursors[cursors.length - 1];
  const next = useCallback(
    (nextCursor: string) => setState((s) => ({ ...s, cursors: [...s.cursors, nextCursor] })),
    [],
  );
  const previous = useCallback(
    () => setState((s) => ({ ...s, cursors: s.cursors.length > 1 ? s.cursors.slice(0, -1) : s.cursors })),
    [],
  );
  const setLimit = useCallback((value: number) => {
    setLimitState(value);
    setState((s) => ({ ...s, cursors: [undefined] }));
  }, []);
  return { page, cursor, limit, next, previous, setLimit };
}

export type CursorPages = ReturnType<typeof useCursorPages>;

export function CursorPager({
  pages,
  nextCursor,
  shown,
}: {
  pages: CursorPages;
  nextCursor: string | null | undefined;
  shown: number;
}) {
  return (
    <Group justify="space-between" mt="sm">
      <Group gap="xs">
        <Text size="sm" c="dimmed">
          Rows per page
        </Text>
        <Select
          aria-label="Rows per page"
          size="xs"
          w={80}
          data={["25", "50", "100", "200"]}
          value={String(pages.limit)}
          onChange={(value) => value && pages.setLimit(Number(value))}
          allowDeselect={false}
        />
      </Group>
      <Group gap="xs">
        <Text size="sm" c="dimmed" aria-live="polite">
          Page {pages.page}
          {shown === 0 ? "" : `, ${shown} shown`}
        </Text>
        <Button
          size="xs"
          variant="default"
          leftSection={<IconChevronLeft size={14} />}
          disabled={pages.page <= 1}
          onClick={pages.previous}
        >
          Previous
        </Button>
        <Button
          size="xs"
          variant="default"
          rightSection={<IconChevronRight size={14} />}
          disabled={!nextCursor}
          onClick={() => nextCursor && pages.next(nextCursor)}
        >
          Next
        </Button>
      </Group>
    </Group>
  );
}
