// The mapping file: how one legacy source's tables become license candidates. Written in YAML (JSON
// is YAML too), validated here; docs/migration.md describes it with an example.
import { z } from "zod";

/** `table.column`: the table is the main table or a joined one. */
const columnRef = z
  .string()
  .regex(/^[^.\s]+\.[^.]+$/, "a column is written table.column")
  .meta({ description: "table.column" });

const name = z.string().trim().min(1);

const fieldSpec = z.strictObject({
  /** The column the field is read from; absent when the field only takes its default. */
  column: columnRef.optional(),
  /** Used when the cell is NULL or blank (a number for numeric fields, a list for list fields). */
  default: z.union([z.string(), z.number().int(), z.array(z.string())]).optional(),
  /** The value map the cell (or each list item) goes through. */
  map: name.optional(),
  /** List fields: what separates the items in one cell. */
  split: z.string().min(1).optional(),
  /** friendlyRestrictions: what separates a key from its value in an item (`Users=10`). */
  pair: z.string().min(1).optional(),
  /** Date fields: the formats to try, instead of the file's `dates.formats`. */
  formats: z.array(z.string().min(1)).min(1).optional(),
});

export type FieldSpec = z.output<typeof fieldSpec>;

export const mappingFileSchema = z.strictObject({
  /** The version of this file format; this code reads version 1. */
  version: z.literal(1),
  /** The source's name, part of every imported record's key (`studio`, `vbuc-cli`, `vbuc-sales`). */
  source: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, "a source name is lower-case letters, digits and -"),
  description: z.string().optional(),
  /** The table with one row per license, and its key column (the legacy id). */
  main: z.strictObject({ table: name, key: name }),
  /** Tables joined to each row by key: `on` is a column of the main table or of an earlier join. */
  joins: z.array(z.strictObject({ table: name, key: name, on: columnRef })).default([]),
  /** How the exports of this source are written (directory sources only). */
  csv: z
    .strictObject({
      delimiter: z.enum([",", ";", "\t"]).optional(),
      nullValues: z.array(z.string()).optional(),
    })
    .optional(),
  dates: z.strictObject({
    formats: z.array(z.string().min(1)).min(1),
    /** The IANA time zone the source wrote its wall-clock times in. */
    timeZone: z.string().default("UTC"),
  }),
  /** Field of the license model v2 → where it comes from: `table.column`, or a spec. */
  fields: z.record(
    z.string(),
    z.preprocess((value) => (typeof value === "string" ? { column: value } : value), fieldSpec),
  ),
  /** Named value maps: legacy value → platform value, compared trimmed and case-insensitively. */
  valueMaps: z.record(z.string(), z.record(z.string(), z.string())).default({}),
});

export type MappingFile = z.output<typeof mappingFileSchema>;
