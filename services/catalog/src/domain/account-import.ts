import {
  type Account,
  AppError,
  type Contact,
  type catalog,
  catalogEvents,
  contactSchema,
  countrySchema,
  type ImportAccountsResponse,
  newId,
  type RequestContext,
  type RequestOf,
} from "@licensing/contracts";
import { type EntityManager, type Orm, recordAudit, recordEvents } from "@licensing/platform";
import { CsvError, parse } from "csv-parse/sync";
import { AccountEntity, type AccountRow, toAccount } from "./account-entity.ts";
import { accountAudit, answersExpire } from "./accounts.ts";

type Outcome = ImportAccountsResponse["rows"][number];

/** The columns a CRM export may have, under the names CRMs commonly give them (see docs/accounts-import.md). */
const columnNames = {
  externalId: ["external id", "externalid", "crm id", "account id", "id"],
  name: ["name", "account name", "company", "company name"],
  type: ["type", "account type"],
  country: ["country", "country code"],
  salesOwner: ["sales owner", "owner", "account owner"],
  notes: ["notes", "description"],
  contactName: ["contact name", "contact"],
  contactEmail: ["contact email", "email"],
  contactRole: ["contact role", "contact title", "role", "title"],
} as const;
type Column = keyof typeof columnNames;

/** One valid row, ready to apply. */
interface Candidate {
  row: number;
  externalId: string;
  name: string;
  type: "customer" | "prospect" | undefined;
  country: string | undefined;
  salesOwner: string | undefined;
  notes: string | undefined;
  contact: Contact | undefined;
}

/**
 * Imports accounts from a CRM export. Rows are matched to accounts by external id, so the same file
 * imported twice changes nothing the second time. A file that cannot be read as CSV, or lacks the
 * required columns, is refused whole; a bad row is reported (with its row number, the header being
 * row 1) and skipped, and the good rows are applied together in one transaction.
 */
export async function importAccounts(
  orm: Orm,
  request: RequestOf<typeof catalog.importAccounts>,
  ctx: RequestContext,
): Promise<ImportAccountsResponse> {
  const records = readCsv(request.csv);
  const columns = locateColumns(records[0] ?? []);
  const outcomes: Outcome[] = [];
  const candidates: Candidate[] = [];
  const firstRowOf = new Map<string, number>();
  records.slice(1).forEach((cells, index) => {
    const row = index + 2;
    const result = readRow(cells, columns, row);
    if ("outcome" in result) {
      outcomes.push(result);
      return;
    }
    const first = firstRowOf.get(result.externalId);
    if (first !== undefined) {
      outcomes.push(
        rejected(
          row,
          result.externalId,
          result.name,
          `external id ${result.externalId} already appears in row ${first}`,
        ),
      );
      return;
    }
    firstRowOf.set(result.externalId, row);
    candidates.push(result);
  });

  await orm.em.fork().transactional(async (em) => {
    const existing = await em.find(AccountEntity, {
      externalId: { $in: candidates.map((c) => c.externalId) },
    });
    const byExternalId = new Map(existing.map((row) => [row.externalId!, row]));
    const created: AccountRow[] = [];
    const updated: { row: AccountRow; before: Account }[] = [];
    for (const candidate of candidates) {
      const found = byExternalId.get(candidate.externalId);
      const outcome = found
        ? update(found, candidate, request.dryRun)
        : create(em, candidate, request.dryRun);
      outcomes.push(outcome.outcome);
      if (outcome.outcome.outcome === "created" && outcome.row) created.push(outcome.row);
      if (outcome.outcome.outcome === "updated" && outcome.row && outcome.before)
        updated.push({ row: outcome.row, before: outcome.before });
    }
    if (request.dryRun) return;
    // Events carry the accounts as stored, with their new versions and timestamps.
    await em.flush();
    await recordEvents(em, [
      ...created.map((row) => ({ type: catalogEvents.accountCreated, payload: toAccount(row), ctx })),
      ...updated.map(({ row }) => ({ type: catalogEvents.accountUpdated, payload: toAccount(row), ctx })),
    ]);
    const reason = `CSV import of ${candidates.length} row(s)`;
    await recordAudit(
      em,
      {
        action: "account.import-run",
        entityType: "account-import",
        entityId: null,
        ctx,
        changes: { created: [null, created.length], updated: [null, updated.length] },
      },
      ...created.map((row) => accountAudit("account.created", undefined, toAccount(row), ctx, reason)),
      ...updated.map(({ row, before }) =>
        accountAudit("account.updated", before, toAccount(row), ctx, reason),
      ),
    );
  });

  outcomes.sort((a, b) => a.row - b.row);
  const count = (outcome: Outcome["outcome"]) => outcomes.filter((o) => o.outcome === outcome).length;
  // An updated account may have a new name or contacts: answered as a single update is.
  if (!request.dryRun && count("updated") > 0) await answersExpire(performance.now());
  return {
    dryRun: request.dryRun,
    created: count("created"),
    updated: count("updated"),
    unchanged: count("unchanged"),
    rejected: count("rejected"),
    rows: outcomes,
  };
}

interface Applied {
  outcome: Outcome;
  row?: AccountRow;
  /** An updated account as it was. */
  before?: Account;
}

function create(em: EntityManager, candidate: Candidate, dryRun: boolean): Applied {
  const outcome: Outcome = {
    row: candidate.row,
    externalId: candidate.externalId,
    name: candidate.name,
    outcome: "created",
  };
  if (dryRun) return { outcome };
  const row = em.create(AccountEntity, {
    id: newId("account"),
    type: candidate.type ?? "customer",
    name: candidate.name,
    externalId: candidate.externalId,
    country: candidate.country ?? null,
    contacts: candidate.contact ? [candidate.contact] : [],
    salesOwner: candidate.salesOwner ?? null,
    notes: candidate.notes ?? "",
    archived: false,
  });
  return { outcome: { ...outcome, accountId: row.id }, row };
}

function update(row: AccountRow, candidate: Candidate, dryRun: boolean): Applied {
  const changes: Partial<AccountRow> = { name: candidate.name };
  // An export may lag behind: an import promotes a prospect, never demotes a customer.
  if (candidate.type === "customer") changes.type = "customer";
  if (candidate.country !== undefined) changes.country = candidate.country;
  if (candidate.salesOwner !== undefined) changes.salesOwner = candidate.salesOwner;
  if (candidate.notes !== undefined) changes.notes = candidate.notes;
  if (candidate.contact) changes.contacts = mergeContact(row.contacts, candidate.contact);
  const base = {
    row: candidate.row,
    externalId: candidate.externalId,
    name: candidate.name,
    accountId: row.id,
  };
  const before = toAccount(row);
  if (JSON.stringify({ ...before, ...changes }) === JSON.stringify(before))
    return { outcome: { ...base, outcome: "unchanged" } };
  if (!dryRun) Object.assign(row, changes);
  return { outcome: { ...base, outcome: "updated" }, row, before };
}

/** Adds the contact, or updates the one with the same email. */
function mergeContact(contacts: Contact[], contact: Contact): Contact[] {
  const index = contacts.findIndex((c) => c.email.toLowerCase() === contact.email.toLowerCase());
  if (index === -1) return [...contacts, contact];
  return contacts.map((c, i) =>
    i === index ? { ...c, name: contact.name, role: contact.role || c.role } : c,
  );
}

function readCsv(csv: string): string[][] {
  const firstLine = csv.slice(0, csv.search(/\r?\n/) >>> 0);
  const delimiter = count(firstLine, ";") > count(firstLine, ",") ? ";" : ",";
  let records: string[][];
  try {
    records = parse(csv, { bom: true, delimiter, skip_empty_lines: true, trim: true });
  } catch (error) {
    if (error instanceof CsvError)
      throw new AppError("validation_failed", `The file is not valid CSV: ${error.message}`);
    throw error;
  }
  if (records.length < 2)
    throw new AppError(
      "validation_failed",
      "The file has no data rows (a header row and at least one account are needed)",
    );
  return records;
}

function locateColumns(header: string[]): Partial<Record<Column, number>> {
  const normalized = header.map((h) =>
    h
      .toLowerCase()
      .replace(/[\s_-]+/g, " ")
      .trim(),
  );
  const columns: Partial<Record<Column, number>> = {};
  for (const [column, names] of Object.entries(columnNames) as [Column, readonly string[]][]) {
    const index = normalized.findIndex((h) => names.includes(h) || names.includes(h.replace(/ /g, "")));
    if (index !== -1) columns[column] = index;
  }
  const missing = (["externalId", "name"] as const).filter((c) => columns[c] === undefined);
  if (missing.length > 0) {
    const wanted = missing.map((c) => `"${columnNames[c][0]}"`).join(" and ");
    throw new AppError(
      "validation_failed",
      `The header row has no ${wanted} column (found: ${header.join(", ")})`,
    );
  }
  return columns;
}

function readRow(
  cells: string[],
  columns: Partial<Record<Column, number>>,
  row: number,
): Candidate | Outcome {
  const cell = (column: Column) => {
    const index = columns[column];
    const value = index === undefined ? "" : (cells[index] ?? "");
    return value === "" ? undefined : value;
  };
  const externalId = cell("externalId");
  const name = cell("name");
  if (!externalId)
    return rejected(
      row,
      null,
      name ?? null,
      "external id is empty (it is what makes a repeated import safe)",
    );
  if (!name) return rejected(row, externalId, null, "name is empty");
  if (name.length > 200) return rejected(row, externalId, name, "name is longer than 200 characters");
  const typeText = cell("type")?.toLowerCase();
  if (typeText !== undefined && typeText !== "customer" && typeText !== "prospect") {
    return rejected(row, externalId, name, `type "${typeText}" is neither customer nor prospect`);
  }
  let country: string | undefined;
  const countryText = cell("country");
  if (countryText !== undefined) {
    const parsed = countrySchema.safeParse(countryText);
    if (!parsed.success)
      return rejected(
        row,
        externalId,
        name,
        `country "${countryText}" is not an ISO 3166-1 alpha-2 code (e.g. FR)`,
      );
    country = parsed.data;
  }
  let contact: Contact | undefined;
  const contactEmail = cell("contactEmail");
  if (contactEmail !== undefined || cell("contactName") !== undefined) {
    const parsed = contactSchema.safeParse({
      name: cell("contactName") ?? contactEmail,
      email: contactEmail,
      role: cell("contactRole") ?? "",
    });
    if (!parsed.success) {
      return rejected(
        row,
        externalId,
        name,
        `contact: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
      );
    }
    contact = parsed.data;
  }
  return {
    row,
    externalId,
    name,
    type: typeText as Candidate["type"],
    country,
    salesOwner: cell("salesOwner"),
    notes: cell("notes"),
    contact,
  };
}

function rejected(row: number, externalId: string | null, name: string | null, reason: string): Outcome {
  return { row, externalId, name, outcome: "rejected", reason };
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}
