import { useCallback, useRef } from "react";
import { type NavigateOptions, useSearchParams } from "react-router";

/**
 * The page's query string, and `update` to change it starting from the latest change asked for.
 * React Router hands a functional setSearchParams the params of the last render and navigates
 * asynchronously, so two changes made before the page re-renders (a debounced search landing just
 * as a filter is clicked) would both start from the old address, and the second would drop the
 * first. Once the address has moved (this change shown, or another navigation: Back, a saved
 * view), changes start from it again.
 */
export function useSearchParamsUpdate() {
  const [params, setParams] = useSearchParams();
  const shown = params.toString();
  const asked = useRef<{ query: string; shown: string } | null>(null);
  if (asked.current && asked.current.shown !== shown) asked.current = null;
  const update = useCallback(
    (change: (latest: URLSearchParams) => URLSearchParams, options?: NavigateOptions) => {
      const next = change(new URLSearchParams(asked.current?.query ?? shown));
      asked.current = { query: next.toString(), shown };
      setParams(next, options);
    },
    [setParams, shown],
  );
  return [params, update] as const;
}
