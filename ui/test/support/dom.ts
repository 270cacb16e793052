// What jsdom lacks and Mantine uses. Imported first by every component test.
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      // An empty query matches everything, as in a browser (mantine-datatable asks for it).
      matches: query.trim() === "",
      media: query,
      onchange: null,
      addListener: () => {},
      removeListener: () => {},
      addEventListener: () => {},
      removeEventListener: () => {},
      dispatchEvent: () => false,
    }) as MediaQueryList;
}

class NoResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
window.ResizeObserver ??= NoResizeObserver;
window.HTMLElement.prototype.scrollIntoView ??= () => {};

afterEach(() => cleanup());

// findBy… and waitFor give up after 1 s by default; on a loaded machine a page with a large form can
// take longer to appear. Waiting longer asserts nothing about time, it only avoids false failures.
configure({ asyncUtilTimeout: 5_000 });
