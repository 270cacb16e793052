// @vitest-environment jsdom
import "./support/dom.ts";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { useSearchParamsUpdate } from "../src/kit/search-params.ts";
import { renderPage, sessionFor } from "./support/render.tsx";

/** Two changes of the query in one handler, before the page re-renders (as a debounced search lands). */
function TwoChanges() {
  const [params, update] = useSearchParamsUpdate();
  const change = (key: string, value: string) =>
    update((next) => {
      next.set(key, value);
      return next;
    });
  return (
    <button
      type="button"
      onClick={() => {
        change("q", "zephyr");
        change("type", "prospect");
      }}
    >
      {params.toString() || "nothing yet"}
    </button>
  );
}

describe("useSearchParamsUpdate", () => {
  it("applies two changes made before a render, each from the other, and what was there stays", async () => {
    const { router } = renderPage(<TwoChanges />, {
      session: sessionFor(["viewer"]),
      path: "/list?archived=1",
      pattern: "/list",
    });
    await userEvent.setup().click(screen.getByRole("button"));
    await waitFor(() =>
      expect(Object.fromEntries(new URLSearchParams(router.state.location.search))).toEqual({
        archived: "1",
        q: "zephyr",
        type: "prospect",
      }),
    );
    // Another navigation (Back, a saved view) is where the next change starts from.
    await router.navigate("/list?type=customer");
    await userEvent.setup().click(await screen.findByRole("button", { name: "type=customer" }));
    await waitFor(() => expect(router.state.location.search).toBe("?type=prospect&q=zephyr"));
  });
});
