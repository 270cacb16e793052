// Where the outcome of a submission is shown, the user's focus (and a screen reader's) goes too: a
// result or an error at the other end of a long form is otherwise never seen.

const smooth = () => !window.matchMedia?.("(prefers-reduced-motion: reduce)").matches;

/** Scrolls `element` into view and moves the focus to it (it needs a tabIndex if not focusable). */
export function reveal(element: HTMLElement | null | undefined): void {
  if (!element) return;
  element.scrollIntoView({ block: "center", behavior: smooth() ? "smooth" : "auto" });
  // The scroll above already placed it: focusing must not jump again.
  element.focus({ preventScroll: true });
}

/**
 * Reveals the first field inside `container` marked invalid (`aria-invalid`, which Mantine sets on
 * every input with an error), else `fallback` (an error summary). Returns whether one was found.
 */
export function revealFirstError(container: HTMLElement | null, fallback?: HTMLElement | null): boolean {
  const field = container?.querySelector<HTMLElement>('[aria-invalid="true"]');
  const target = field ?? fallback;
  reveal(target);
  return Boolean(target);
}
