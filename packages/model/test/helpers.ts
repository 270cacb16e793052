// Helpers shared by the document tests.
import { armor, dearmor } from "../src/armor.ts";
import { isModelError, type ModelErrorCode } from "../src/errors.ts";

/** The error code openDocument (or `fn`) throws. */
export function codeOf(fn: () => unknown): ModelErrorCode | "ok" {
  try {
    fn();
    return "ok";
  } catch (error) {
    if (!isModelError(error)) throw error;
    return error.code;
  }
}

/** Re-armors `text` after changing its envelope. */
export function rewrap(
  text: string,
  change: (envelope: Record<string, unknown>) => unknown,
  label?: string,
): string {
  const { label: original, bytes } = dearmor(text);
  const envelope = JSON.parse(new TextDecoder().decode(bytes));
  return armor(label ?? original, new TextEncoder().encode(JSON.stringify(change(envelope) ?? envelope)));
}
