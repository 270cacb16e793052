import { ActionIcon, Button, Group, Kbd, Loader, Modal, Text, VisuallyHidden } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { createSpotlight, Spotlight, type SpotlightStore } from "@mantine/spotlight";
import { IconSearch } from "@tabler/icons-react";
import { useQueries } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { useNavigate } from "react-router";
import { ApiError } from "../kit/api.ts";
import { errorMessage } from "../kit/notify.tsx";
import { useSession } from "../kit/session.tsx";
import type { SearchProvider, SearchResult, UiModule } from "../kit/types.ts";
import { buildMenu } from "./menu.ts";
import { matchPages, searchProviders } from "./search.ts";

/** Same pause as the tables' search boxes (docs/ui.md, "Lists"). */
const DEBOUNCE_MS = 300;

const isMac = () => typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.userAgent);

/**
 * Search everywhere: the header's Search button and Ctrl/⌘-K (from any page, even while typing in
 * a field) open a command palette (Mantine Spotlight) that finds the menu's pages and whatever the
 * active modules' search providers find (accounts, licenses, products), grouped, each group only for
 * users who may open its pages. The shell knows no module: it asks each for its providers.
 */
export function SearchEverywhere({ crm }: { crm: UiModule | null }) {
  const [[store, spotlight]] = useState(createSpotlight);
  const shortcut = isMac() ? "⌘ K" : "Ctrl K";
  return (
    <>
      <Button
        variant="default"
        size="sm"
        visibleFrom="sm"
        leftSection={<IconSearch size={16} aria-hidden />}
        rightSection={<Kbd size="xs">{shortcut}</Kbd>}
        onClick={spotlight.open}
        // The visible label first (WCAG's label in name), then the shortcut the key cap shows.
        aria-label={`Search (${shortcut})`}
        aria-haspopup="dialog"
        aria-keyshortcuts="Control+K Meta+K"
      >
        Search
      </Button>
      <ActionIcon
        variant="default"
        size="lg"
        hiddenFrom="sm"
        onClick={spotlight.open}
        aria-label="Search"
        aria-haspopup="dialog"
        aria-keyshortcuts="Control+K Meta+K"
      >
        <IconSearch size={18} />
      </ActionIcon>
      <Palette store={store} crm={crm} />
    </>
  );
}

function Palette({ store, crm }: { store: SpotlightStore; crm: UiModule | null }) {
  const session = useSession();
  const navigate = useNavigate();
  const listId = `search-results-${useId().replace(/:/g, "")}`;
  const [query, setQuery] = useState("");
  const trimmed = query.trim();
  const [debounced] = useDebouncedValue(trimmed, DEBOUNCE_MS);
  const pages = matchPages(buildMenu(session, crm), trimmed);
  const providers = searchProviders(session, [crm]);
  const searches = useQueries({
    queries: providers.map((provider) => ({
      queryKey: ["search", provider.id, debounced],
      queryFn: ({ signal }: { signal: AbortSignal }) => provider.search(debounced, signal),
      enabled: debounced.length >= provider.minLength,
      staleTime: 30_000,
    })),
  });
  const groups = providers.map((provider, index) => ({ provider, search: searches[index]! }));
  const typing = trimmed !== debounced;
  const searching = typing || groups.some(({ search }) => search.isFetching);
  const found = pages.length + groups.reduce((n, { search }) => n + (search.data?.length ?? 0), 0);
  const failed = groups.some(({ search }) => search.isError);

  // Spotlight selects the first result when the query changes, but remote results arrive later:
  // select the first one again whenever the results change, so Enter opens what is listed first.
  const shown = [...pages, ...groups.flatMap(({ search }) => search.data ?? [])].map((r) => r.path).join();
  useEffect(() => {
    if (shown === "") return;
    const list = document.getElementById(listId);
    const first = list?.querySelector("[data-action]");
    if (!list || !first) return;
    list.querySelector("[data-selected]")?.removeAttribute("data-selected");
    first.setAttribute("data-selected", "true");
    store.updateState((state) => ({ ...state, selected: 0 }));
  }, [shown, listId, store]);

  const open = (result: SearchResult) => navigate(result.path);
  const kinds = providers.map((p) => p.group.toLowerCase());

  return (
    <Spotlight.Root
      store={store}
      query={query}
      onQueryChange={setQuery}
      // Spotlight clears the query once its closing animation ends; reopened before that (a quick
      // Ctrl-K after choosing a result), it would still hold the last search.
      onSpotlightOpen={() => setQuery("")}
      shortcut={["mod + K"]}
      // Ctrl/⌘-K opens the palette even while the focus is in a field (a table's filter, say).
      tagsToIgnore={[]}
      scrollable
      maxHeight={480}
    >
      <VisuallyHidden>
        <Modal.Title>Search everywhere</Modal.Title>
      </VisuallyHidden>
      <Spotlight.Search
        data-autofocus
        aria-label={`Search ${["pages", ...kinds].join(", ")}`}
        placeholder={placeholder(providers)}
        leftSection={<IconSearch size={18} stroke={1.5} aria-hidden />}
        rightSection={searching && trimmed !== "" ? <Loader size="xs" aria-label="Searching" /> : null}
        maxLength={200}
      />
      <Spotlight.ActionsList id={listId} aria-label="Results">
        {pages.length > 0 && (
          <Spotlight.ActionsGroup label="Pages" role="group" aria-label="Pages">
            {pages.map((page) => (
              <Spotlight.Action
                key={page.id}
                label={page.label}
                description={page.description}
                onClick={() => open(page)}
              />
            ))}
          </Spotlight.ActionsGroup>
        )}
        {groups.map(({ provider, search }) =>
          search.isError ? (
            <Spotlight.ActionsGroup
              key={provider.id}
              label={provider.group}
              role="group"
              aria-label={provider.group}
            >
              <Text size="sm" c="red" px="md" py="xs" role="alert">
                {provider.group} could not be searched: {errorMessage(search.error)}
                {search.error instanceof ApiError && search.error.requestId
                  ? ` (request id ${search.error.requestId})`
                  : ""}
              </Text>
            </Spotlight.ActionsGroup>
          ) : search.data && search.data.length > 0 ? (
            <Spotlight.ActionsGroup
              key={provider.id}
              label={provider.group}
              role="group"
              aria-label={provider.group}
            >
              {search.data.map((result) => (
                <Spotlight.Action
                  key={result.id}
                  label={result.label}
                  description={result.description}
                  onClick={() => open(result)}
                />
              ))}
            </Spotlight.ActionsGroup>
          ) : null,
        )}
        {found === 0 && !failed && trimmed !== "" && !searching && (
          <Spotlight.Empty role="status">
            No results for “{trimmed}”.
            {providers.length > 0 && (
              <Text size="sm" c="dimmed" mt={4} component="span" display="block">
                {hint(providers)}
              </Text>
            )}
          </Spotlight.Empty>
        )}
      </Spotlight.ActionsList>
      <Spotlight.Footer>
        <Group gap="xs" justify="space-between">
          <Text size="xs" c="dimmed">
            <Kbd size="xs">↑</Kbd> <Kbd size="xs">↓</Kbd> to choose, <Kbd size="xs">Enter</Kbd> to open,{" "}
            <Kbd size="xs">Esc</Kbd> to close
          </Text>
          {searching && trimmed !== "" && (
            <Text size="xs" c="dimmed" role="status">
              Searching…
            </Text>
          )}
        </Group>
      </Spotlight.Footer>
    </Spotlight.Root>
  );
}

function placeholder(providers: SearchProvider[]): string {
  const groups = providers.map((p) => p.group.toLowerCase());
  return groups.length === 0 ? "Go to a page…" : `Pages, ${groups.join(", ")}…`;
}

/** What was searched, and by what, for a query that found nothing. */
function hint(providers: SearchProvider[]): string {
  const parts = providers.map((p) => `${p.group.toLowerCase()}${p.hint ? ` ${p.hint}` : ""}`);
  return `Searched pages by name, ${parts.join("; ")}.`;
}
