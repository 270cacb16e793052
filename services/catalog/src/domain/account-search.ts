import { type Account, AppError, type catalog, type RequestOf } from "@licensing/contracts";
import type { EntityManager } from "@licensing/platform";
import { AccountEntity, toAccount } from "./account-entity.ts";

type SearchRequest = RequestOf<typeof catalog.searchAccounts>;

// word_similarity above which a name counts as a (typo-tolerant) match: "acne" finds "Acme" (0.4).
const similarityThreshold = 0.3;

/**
 * Accounts by name, a page at a time. Without a query: by name. With one: names containing it first,
 * then by trigram word similarity, so typos still find the account; an exact external id matches too.
 * Both paths use indexes (a btree on the normalized name, a trigram GIN index on it), not a scan.
 * Pages are keyset-based: the cursor holds the sort key of the last row.
 */
export async function searchAccounts(
  em: EntityManager,
  request: SearchRequest,
): Promise<{ items: Account[]; nextCursor: string | null }> {
  const query = (request.query ?? "").trim();
  const filters: string[] = [];
  const params: unknown[] = [];
  if (request.type) {
    filters.push("a.type = ?");
    params.push(request.type);
  }
  if (!request.includeArchived) filters.push("not a.archived");
  const limit = request.limit;
  return em.transactional(async (tx) => {
    if (query === "") return byName(tx, filters, params, limit, request.cursor);
    await tx.execute("select set_config('pg_trgm.word_similarity_threshold', ?, true)", [
      String(similarityThreshold),
    ]);
    return byRelevance(tx, query, filters, params, limit, request.cursor);
  });
}

async function byName(
  em: EntityManager,
  filters: string[],
  params: unknown[],
  limit: number,
  cursor: string | undefined,
) {
  const where = [...filters];
  const args = [...params];
  if (cursor) {
    const [name, id] = decodeCursor(cursor, ["string", "string"]);
    where.push("(a.search_name, a.id) > (?, ?)");
    args.push(name, id);
  }
  const rows = await em.execute<Record<string, unknown>[]>(
    `select a.*, a.search_name as sort_key from catalog.accounts a
     ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
     order by a.search_name, a.id limit ?`,
    [...args, limit + 1],
  );
  return page(em, rows, limit, (row) => [row.sort_key, row.id]);
}

async function byRelevance(
  em: EntityManager,
  query: string,
  filters: string[],
  params: unknown[],
  limit: number,
  cursor: string | undefined,
) {
  // The query is normalized by the same SQL function as the indexed column.
  const contains = `a.search_name like '%' || catalog.search_text(?) || '%' escape '\\'`;
  const rank = `((case when ${contains} then 1000 else 0 end)
    + round(public.word_similarity(catalog.search_text(?), a.search_name) * 999))::int`;
  const rankArgs = [escapeLike(query), query];
  const where = [
    `(${contains} or catalog.search_text(?) operator(public.<%) a.search_name or a.external_id = ?)`,
    ...filters,
  ];
  const args: unknown[] = [escapeLike(query), query, query, ...params];
  if (cursor) {
    const [lastRank, id] = decodeCursor(cursor, ["number", "string"]);
    where.push(`(${rank} < ? or (${rank} = ? and a.id > ?))`);
    args.push(...rankArgs, lastRank, ...rankArgs, lastRank, id);
  }
  const rows = await em.execute<Record<string, unknown>[]>(
    `select a.*, ${rank} as sort_key from catalog.accounts a
     where ${where.join(" and ")}
     order by sort_key desc, a.id limit ?`,
    [...rankArgs, ...args, limit + 1],
  );
  return page(em, rows, limit, (row) => [row.sort_key, row.id]);
}

function page(
  em: EntityManager,
  rows: Record<string, unknown>[],
  limit: number,
  keyOf: (row: Record<string, unknown>) => unknown[],
) {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const items = shown.map((row) => toAccount(em.map(AccountEntity, row)));
  const last = shown.at(-1);
  return {
    items,
    nextCursor: more && last ? Buffer.from(JSON.stringify(keyOf(last))).toString("base64url") : null,
  };
}

function decodeCursor(cursor: string, types: ("string" | "number")[]): (string | number)[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(values) &&
      values.length === types.length &&
      values.every((v, i) => typeof v === types[i])
    ) {
      return values as (string | number)[];
    }
  } catch {
    // reported below
  }
  throw AppError.validation([
    { path: "cursor", message: "is not a cursor from a previous page of this search" },
  ]);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
