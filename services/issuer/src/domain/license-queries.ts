import {
  type Actor,
  AppError,
  type AuditEntry,
  actorMay,
  isServiceActor,
  type issuer,
  type LicenseDetail,
  type LicenseSummary,
  MAX_COUNT,
  type RequestContext,
  type RequestOf,
  systemActor,
} from "@licensing/contracts";
import {
  isLegacyKey,
  isLicenseKey,
  legacyKeyLookupHash,
  licenseKeyLookupHash,
  parseLicenseKey,
} from "@licensing/model";
import type { SealedBox } from "@licensing/platform";
import {
  AuditLogEntity,
  type EntityManager,
  type Orm,
  Params,
  query,
  recordAudit,
} from "@licensing/platform";
import { LicenseEntity, type LicenseRow, LicenseVersionEntity } from "./entities.ts";
import type { ExpiryRule } from "./expiry.ts";
import { requireActor } from "./issuance.ts";
import { summaryColumns, summaryRow, toDetail, toSummary } from "./license-views.ts";

type ListRequest = RequestOf<typeof issuer.listLicenses>;
type ListRow = Record<string, unknown> & { id: string; sort_key: unknown };

const sortColumns: Record<ListRequest["sort"], { sql: string; type: "time" | "text" }> = {
  createdAt: { sql: "l.created_at", type: "time" },
  startDate: { sql: "l.start_date", type: "time" },
  endDate: { sql: "coalesce(l.end_date, 'infinity')", type: "time" },
  accountName: { sql: "lower(l.account_name)", type: "text" },
};

/** Reading licenses: one, its versions and audit trail, and filtered, sorted pages of them. */
export class LicenseQueries {
  readonly #orm: Orm;
  readonly #encryption: SealedBox;
  readonly #expiry: ExpiryRule;

  constructor(orm: Orm, encryption: SealedBox, expiry: ExpiryRule) {
    this.#orm = orm;
    this.#encryption = encryption;
    this.#expiry = expiry;
  }

  async get(id: string): Promise<LicenseDetail> {
    return toDetail(await findLicense(this.#orm.em.fork(), id), new Date(), this.#expiry);
  }

  /** The key in clear, for an operator to pass on; who looked is recorded. */
  async revealKey(id: string, ctx: RequestContext): Promise<{ licenseKey: string }> {
    const actor = requireActor(ctx);
    mayReveal(actor);
    return this.#orm.em.fork().transactional(async (em) => {
      const row = await findLicense(em, id);
      await recordAudit(em, {
        entityType: "license",
        entityId: id,
        action: "license.key-revealed",
        actor,
        ctx,
        changes: {},
      });
      return { licenseKey: this.#encryption.open(row.keyEnc, `license key ${id}`).toString() };
    });
  }

  async file(id: string, serial: number | undefined, ctx?: RequestContext) {
    const operator = ctx?.actor && !isServiceActor(ctx.actor) && ctx.actor.id !== systemActor.id;
    if (operator) mayReveal(ctx.actor!);
    const em = this.#orm.em.fork();
    const row = await findLicense(em, id);
    const version = await em.findOne(
      LicenseVersionEntity,
      { licenseId: id, serial: serial ?? row.serial },
      { populate: ["file"] },
    );
    if (!version) throw new AppError("not_found", `License ${id} has no version ${serial}`);
    // An operator taking a signed file away is audited; a service fetching one for itself is not.
    if (ctx?.actor && !isServiceActor(ctx.actor))
      await recordAudit(em, {
        action: "license.file-downloaded",
        entityType: "license",
        entityId: id,
        ctx,
        changes: { serial: [null, version.serial] },
      });
    return {
      serial: version.serial,
      keyId: version.keyId,
      signedAt: version.signedAt.toISOString(),
      file: version.file,
    };
  }

  async versions(id: string) {
    const em = this.#orm.em.fork();
    await findLicense(em, id);
    const rows = await query<{
      serial: number;
      key_id: string;
      signed_at: Date;
      reason: "issued" | "renewed" | "reissued" | "amended";
      end_date: Date | null;
      created_by: string;
      created_by_name: string;
      size: number;
    }>(
      em,
      `select serial, key_id, signed_at, reason, end_date, created_by, created_by_name, octet_length(file) as size
       from issuer.license_versions where license_id = $1 order by serial desc`,
      [id],
    );
    return rows.map((v) => ({
      serial: v.serial,
      keyId: v.key_id,
      signedAt: new Date(v.signed_at).toISOString(),
      reason: v.reason === "amended" ? ("reissued" as const) : v.reason,
      amended: v.reason === "amended",
      endDate: v.end_date ? new Date(v.end_date).toISOString() : null,
      createdBy: v.created_by,
      createdByName: v.created_by_name,
      size: Number(v.size),
    }));
  }

  async audit(id: string): Promise<AuditEntry[]> {
    const em = this.#orm.em.fork();
    const rows = await em.find(
      AuditLogEntity,
      { entityType: "license", entityId: id },
      { orderBy: { at: "desc", id: "desc" } },
    );
    // A license a migration rollback removed keeps its trail, readable still.
    if (rows.length === 0) await findLicense(em, id);
    return rows.map((row) => ({
      id: row.id,
      at: row.at.toISOString(),
      action: row.action,
      actorId: row.actorId,
      actorName: row.actorName,
      requestId: row.requestId ?? null,
      reason: row.reason ?? null,
      changes: row.changes,
    }));
  }

  async list(request: ListRequest): Promise<{ items: LicenseSummary[]; nextCursor: string | null }> {
    const params = new Params();
    const where = filters(request, this.#expiry, params);
    const sort = sortColumns[request.sort];
    const direction = request.order === "asc" ? "asc" : "desc";
    const cursor = request.cursor ? decodeCursor(request.cursor, request) : undefined;
    if (request.sort === "endDate" && direction === "desc") {
      return this.#page(request, await this.#endDescending(where, params, cursor, request.limit));
    }
    if (cursor) {
      const op = direction === "asc" ? ">" : "<";
      const key = `${params.add(cursor[0])}${sort.type === "time" ? "::timestamptz" : ""}`;
      where.push(`(${sort.sql}, l.id) ${op} (${key}, ${params.add(cursor[1])})`);
    }
    const rows = await query<ListRow>(
      this.#orm.em.fork(),
      `select ${summaryColumns}, ${sort.sql} as sort_key from issuer.licenses l
       ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
       order by ${sort.sql} ${direction}, l.id ${direction} limit ${params.add(request.limit + 1)}`,
      params.values,
    );
    return this.#page(request, rows);
  }

  /** The matches of the list's filters, counted up to MAX_COUNT (the rest are not read). */
  async count(request: RequestOf<typeof issuer.countLicenses>): Promise<{ count: number; capped: boolean }> {
    const params = new Params();
    const where = filters(request, this.#expiry, params);
    const [row] = await query<{ n: number }>(
      this.#orm.em.fork(),
      `select count(*)::int as n from (select 1 from issuer.licenses l
         ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
         limit ${params.add(MAX_COUNT + 1)}) matches`,
      params.values,
    );
    const n = row?.n ?? 0;
    return { count: Math.min(n, MAX_COUNT), capped: n > MAX_COUNT };
  }

  /**
   * Latest end first, open-ended licenses (no end) last, as in ascending order. The end-date index
   * keeps open ends as 'infinity', which a descending walk meets first; so the page is read as two
   * walks of that index, each a range stopping after a page: the dated licenses below 'infinity',
   * then the open-ended ones by id. A cursor on either side of the boundary skips the first walk
   * or starts the second.
   */
  #endDescending(
    where: string[],
    params: Params,
    cursor: [string, string] | undefined,
    limit: number,
  ): Promise<ListRow[]> {
    const key = sortColumns.endDate.sql;
    const dated = [`${key} < 'infinity'`];
    const open = [`${key} = 'infinity'`];
    if (cursor && cursor[0] === "infinity") {
      dated.push("false");
      open.push(`l.id < ${params.add(cursor[1])}`);
    } else if (cursor) {
      dated.push(`(${key}, l.id) < (${params.add(cursor[0])}::timestamptz, ${params.add(cursor[1])})`);
    }
    const n = params.add(limit + 1);
    const walk = (part: number, conditions: string[]) =>
      `(select ${summaryColumns}, ${key} as sort_key, ${part} as part from issuer.licenses l
        where ${[...where, ...conditions].join(" and ")}
        order by ${key} desc, l.id desc limit ${n})`;
    return query<ListRow>(
      this.#orm.em.fork(),
      `${walk(0, dated)} union all ${walk(1, open)} order by part, sort_key desc, id desc limit ${n}`,
      params.values,
    );
  }

  #page(request: ListRequest, rows: ListRow[]): { items: LicenseSummary[]; nextCursor: string | null } {
    const now = new Date();
    const more = rows.length > request.limit;
    const shown = more ? rows.slice(0, request.limit) : rows;
    const items = shown.map((row) => toSummary(summaryRow(row), now, this.#expiry));
    const last = shown.at(-1);
    return {
      items,
      nextCursor: more && last ? encodeCursor(request, last.sort_key, last.id) : null,
    };
  }
}

/**
 * A license key in clear and a signed file are secrets of their own (`license.reveal`, not
 * `license.read`): checked here as well as at the gateway.
 */
function mayReveal(actor: Actor): void {
  if (!actorMay(actor, "license.reveal"))
    throw new AppError("forbidden", `${actor.username} may not reveal license keys or download signed files`);
}

export async function findLicense(em: EntityManager, id: string): Promise<LicenseRow> {
  const row = await em.findOne(LicenseEntity, { id });
  if (!row) throw AppError.notFound("License", id);
  return row;
}

/** The list's filters as conditions on `l`, their values kept in `params`. */
function filters(
  request: Omit<ListRequest, "sort" | "order" | "cursor" | "limit">,
  expiry: ExpiryRule,
  params: Params,
): string[] {
  const where: string[] = [];
  const $ = (value: unknown) => params.add(value);
  if (request.accountId) where.push(`l.account_id = ${$(request.accountId)}`);
  if (request.product) where.push(`l.products @> array[${$(request.product)}]::text[]`);
  if (request.kind) where.push(`l.kind = ${$(request.kind)}`);
  if (request.internal !== undefined) where.push(`l.internal = ${$(request.internal)}`);
  if (request.status && request.status.length > 0) {
    where.push(`(${request.status.map((status) => expiry.statusCondition(status)).join(" or ")})`);
  }
  if (request.createdBy) {
    const creator = $(request.createdBy);
    where.push(`(l.created_by = ${creator} or l.created_by_name = ${creator})`);
  }
  if (request.createdFrom) where.push(`l.created_at >= ${$(request.createdFrom)}`);
  if (request.createdTo) where.push(`l.created_at < ${$(request.createdTo)}`);
  // Also on the end-date sort key, so a range walks the index that gives that order.
  if (request.endFrom) {
    const from = $(request.endFrom);
    where.push(`l.end_date >= ${from} and coalesce(l.end_date, 'infinity') >= ${from}`);
  }
  if (request.endTo) where.push(`coalesce(l.end_date, 'infinity') < ${$(request.endTo)}`);
  if (request.text) {
    const text = request.text.trim();
    if (isLicenseKey(text)) where.push(`l.key_hash = ${$(licenseKeyLookupHash(parseLicenseKey(text)))}`);
    else if (isLegacyKey(text)) where.push(`l.legacy_key_hash = ${$(legacyKeyLookupHash(text))}`);
    else if (/^lic_[0-9A-Za-z]+$/.test(text)) where.push(`l.id = ${$(text)}`);
    else if (/^[0-9A-Za-z]{5}$/.test(text))
      where.push(
        `(l.key_hint = ${$(text.toUpperCase())} or lower(l.account_name) like ${$(`%${escapeLike(text.toLowerCase())}%`)})`,
      );
    else where.push(`lower(l.account_name) like ${$(`%${escapeLike(text.toLowerCase())}%`)}`);
  }
  return where;
}

function encodeCursor(request: ListRequest, value: unknown, id: string): string {
  const key = value instanceof Date ? value.toISOString() : String(value);
  return Buffer.from(JSON.stringify([key, id, request.sort, request.order])).toString("base64url");
}

function decodeCursor(cursor: string, request: ListRequest): [string, string] {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 4 &&
      parsed[2] === request.sort &&
      parsed[3] === request.order
    ) {
      return [String(parsed[0]), String(parsed[1])];
    }
  } catch {
    // reported below
  }
  throw AppError.validation([
    { path: "cursor", message: "is not a cursor from a previous page of this list (same sort and order)" },
  ]);
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
