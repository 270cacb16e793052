import { ActionIcon, Button, Group, Kbd, Loader, Modal, Text, VisuallyHidden } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { createSpotlight, Spotlight, type SpotlightStore, useSpotlight } from "@mantine/spotlight";
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
        // Named by what it shows, "Search Ctrl K" (WCAG 2.5.3: a name of its own never quite matched
        // the text axe sees).
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

  // Spotlight keeps the selected result in its store without telling React (it marks the element),
  // so `active` mirrors it for aria-activedescendant, read once Spotlight has handled a key.
  const { opened } = useSpotlight(store);
  const [active, setActive] = useState(-1);
  const syncActive = () => setTimeout(() => setActive(store.getState().selected), 0);

  // Spotlight selects the first result when the query changes, but remote results arrive later:
  // select the first one again whenever the results change (or the palette opens), so Enter opens
  // what is listed first.
  const shown = [...pages, ...groups.flatMap(({ search }) => search.data ?? [])].map((r) => r.path).join();
  useEffect(() => {
    const list = opened && shown !== "" ? document.getElementById(listId) : null;
    const first = list?.querySelector("[data-action]");
    if (!list || !first) return setActive(-1);
    list.querySelector("[data-selected]")?.removeAttribute("data-selected");
    first.setAttribute("data-selected", "true");
    store.updateState((state) => ({ ...state, selected: 0 }));
    setActive(0);
  }, [shown, opened, listId, store]);

  const open = (result: SearchResult) => navigate(result.path);
  const kinds = providers.map((p) => p.group.toLowerCase());
  // The results in the order they are listed (Spotlight's `selected` counts them so), each with the
  // id the search box names as its active descendant: a screen reader hears the one ↑/↓ reached.
  const listed = [
    ...(pages.length > 0 ? [{ group: "Pages", results: pages as SearchResult[] }] : []),
    ...groups.flatMap(({ provider, search }) =>
      search.data && search.data.length > 0 ? [{ group: provider.group, results: search.data }] : [],
    ),
  ];
  const optionId = (index: number) => `${listId}-${index}`;
  let index = 0;
  const failures = groups.filter(({ search }) => search.isError);

  return (
    <Spotlight.Root
      store={store}
      query={query}
      onQueryChange={(value) => {
        setQuery(value);
        syncActive();
      }}
      // A new search each time it opens, so the query is emptied as it closes. Not when Spotlight's
      // closing animation ends (its default): reopened before that (a quick Ctrl-K after choosing a
      // result), the animation's end would wipe what is being typed; nor as it opens, which can land
      // after the first keys typed.
      clearQueryOnClose={false}
      onSpotlightClose={() => setQuery("")}
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
        role="combobox"
        aria-label={`Search ${["pages", ...kinds].join(", ")}`}
        aria-autocomplete="list"
        aria-expanded={found > 0}
        aria-controls={found > 0 ? listId : undefined}
        aria-activedescendant={active >= 0 && active < found ? optionId(active) : undefined}
        onKeyDown={syncActive}
        placeholder={placeholder(providers)}
        leftSection={<IconSearch size={18} stroke={1.5} aria-hidden />}
        rightSection={searching && trimmed !== "" ? <Loader size="xs" aria-hidden /> : null}
        maxLength={200}
      />
      {found > 0 && (
        <Spotlight.ActionsList id={listId} role="listbox" aria-label="Results">
          {listed.map(({ group, results }) => (
            <Spotlight.ActionsGroup key={group} label={group} role="group" aria-label={group}>
              {results.map((result) => {
                const at = index++;
                return (
                  <Spotlight.Action
                    key={result.id}
                    // Spotlight.Action keeps `id` to itself: the id goes on the element directly.
                    ref={(element) => {
                      if (element) element.id = optionId(at);
                    }}
                    role="option"
                    aria-selected={active === at}
                    label={result.label}
                    description={result.description}
                    onClick={() => open(result)}
                  />
                );
              })}
            </Spotlight.ActionsGroup>
          ))}
        </Spotlight.ActionsList>
      )}
      {failures.map(({ provider, search }) => (
        <Text key={provider.id} size="sm" c="red" px="md" py="xs" role="alert">
          {provider.group} could not be searched: {errorMessage(search.error)}
          {search.error instanceof ApiError && search.error.requestId
            ? ` (request id ${search.error.requestId})`
            : ""}
        </Text>
      ))}
      {found === 0 && failures.length === 0 && trimmed !== "" && !searching && (
        <Spotlight.Empty>
          No results for “{trimmed}”.
          {providers.length > 0 && (
            <Text size="sm" c="dimmed" mt={4} component="span" display="block">
              {hint(providers)}
            </Text>
          )}
        </Spotlight.Empty>
      )}
      <VisuallyHidden role="status">{announcement(trimmed, searching, found)}</VisuallyHidden>
      <Spotlight.Footer>
        <Group gap="xs" justify="space-between">
          <Text size="xs" c="dimmed">
            <Kbd size="xs">↑</Kbd> <Kbd size="xs">↓</Kbd> to choose, <Kbd size="xs">Enter</Kbd> to open,{" "}
            <Kbd size="xs">Esc</Kbd> to close
          </Text>
          {searching && trimmed !== "" && (
            <Text size="xs" c="dimmed" aria-hidden>
              Searching…
            </Text>
          )}
        </Group>
      </Spotlight.Footer>
    </Spotlight.Root>
  );
}

/** What the live region says once a search settles, so a screen reader hears that results came. */
function announcement(query: string, searching: boolean, found: number): string {
  if (query === "") return "";
  if (searching) return "Searching…";
  if (found === 0) return "No results";
  return found === 1 ? "1 result" : `${found} results`;
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
