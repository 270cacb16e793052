import { p } from "@mikro-orm/core";

/**
 * The properties every aggregate root shares beside its key: a version for optimistic locking (two
 * concurrent edits cannot silently overwrite each other) and its timestamps.
 */
export function trackedProperties() {
  return {
    version: p.integer().version(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  };
}
