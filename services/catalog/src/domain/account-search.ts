import { type Account, AppError, type catalog, MAX_COUNT, type RequestOf } from "@licensing/contracts";
import { type EntityManager, Params, query } from "@licensing/platform";
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
  const text = (request.query ?? "").trim();
  const params = new Params();
  const filters: string[] = [];
  if (request.type) filters.push(`a.type = ${params.add(request.type)}`);
  if (!request.includeArchived) filters.push("not a.archived");
  const limit = request.limit;
  return em.transactional(async (tx) => {
    if (text === "") return byName(tx, filters, params, limit, request.cursor);
    await query(tx, "select set_config('pg_trgm.word_similarity_threshold', $1, true)", [
      String(similarityThreshold),
    ]);
    return byRelevance(tx, text, filters, params, limit, request.cursor);
  });
}

/**
 * How many accounts the search's filters match, up to MAX_COUNT: the same conditions as the search
 * (a name containing the text, a similar one, or the external id), its first MAX_COUNT + 1 matches read.
 */
export async function countAccounts(
  em: EntityManager,
  request: RequestOf<typeof catalog.countAccounts>,
): Promise<{ count: number; capped: boolean }> {
  const text = (request.query ?? "").trim();
  const params = new Params();
  const where: string[] = [];
  if (request.type) where.push(`a.type = ${params.add(request.type)}`);
  if (!request.includeArchived) where.push("not a.archived");
  return em.transactional(async (tx) => {
    if (text !== "") {
      await query(tx, "select set_config('pg_trgm.word_similarity_threshold', $1, true)", [
        String(similarityThreshold),
      ]);
      where.push(matching(text, params).condition);
    }
    const [row] = await query<{ n: number }>(
      tx,
      `select count(*)::int as n from (select 1 from catalog.accounts a
         ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
         limit ${params.add(MAX_COUNT + 1)}) matches`,
      params.values,
    );
    const n = row?.n ?? 0;
    return { count: Math.min(n, MAX_COUNT), capped: n > MAX_COUNT };
  });
}

/** A name containing `text`, one similar to it (typos), or the external id exactly. */
function matching(text: string, params: Params) {
  // The query is normalized by the same SQL function as the indexed column.
  const normalized = `catalog.search_text(${params.add(text)}::text)`;
  const contains = `a.search_name like '%' || catalog.search_text(${params.add(escapeLike(text))}::text) || '%' escape '\\'`;
  const condition = `(${contains} or ${normalized} operator(public.<%) a.search_name or a.external_id = ${params.add(text)})`;
  return { normalized, contains, condition };
}

async function byName(
  em: EntityManager,
  filters: string[],
  params: Params,
  limit: number,
  cursor: string | undefined,
) {
  const where = [...filters];
  if (cursor) {
    const [name, id] = decodeCursor(cursor, ["string", "string"]);
    where.push(`(a.search_name, a.id) > (${params.add(name)}, ${params.add(id)})`);
  }
  const rows = await query(
    em,
    `select a.*, a.search_name as sort_key from catalog.accounts a
     ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
     order by a.search_name, a.id limit ${params.add(limit + 1)}`,
    params.values,
  );
  return page(em, rows, limit, (row) => [row.sort_key, row.id]);
}

async function byRelevance(
  em: EntityManager,
  text: string,
  filters: string[],
  params: Params,
  limit: number,
  cursor: string | undefined,
) {
  const { normalized, contains, condition } = matching(text, params);
  const rank = `((case when ${contains} then 1000 else 0 end)
    + round(public.word_similarity(${normalized}, a.search_name) * 999))::int`;
  const where = [condition, ...filters];
  if (cursor) {
    const [lastRank, id] = decodeCursor(cursor, ["number", "string"]);
    const last = params.add(lastRank);
    where.push(`(${rank} < ${last} or (${rank} = ${last} and a.id > ${params.add(id)}))`);
  }
  const rows = await query(
    em,
    `select a.*, ${rank} as sort_key from catalog.accounts a
     where ${where.join(" and ")}
     order by sort_key desc, a.id limit ${params.add(limit + 1)}`,
    params.values,
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
