import type { BusClient } from "@licensing/bus";
import { type DigestRow, issuer, type LicenseSummary, systemActor } from "@licensing/contracts";
import { z } from "zod";
import { localDate, localDateTime } from "./schedule.ts";

export interface RowsRequest {
  day: string;
  timeZone: string;
  defaultNotifyDays: number;
  uiUrl: string;
  /** The instant the digest is built: a license ending today before it has "expired today". */
  now: Date;
}

/** Where the UI shows a license (the CRM module's license page). */
export const licensePagePath = "/crm/licenses/";

// Small enough that a page of license summaries stays well under NATS's 1 MiB message limit.
const pageSize = 1_000;

/**
 * Every license the digest of `day` lists, asked of the issuer a page at a time (`issuer.expiring`
 * applies each license's notice window, else the default, in the digest's zone), as the email's rows:
 * expired today first, then by end.
 */
export async function digestRows(bus: BusClient, request: RowsRequest): Promise<DigestRow[]> {
  const rows: DigestRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await bus.request(
      issuer.expiring,
      {
        day: request.day,
        timeZone: request.timeZone,
        defaultNotifyDays: request.defaultNotifyDays,
        limit: pageSize,
        ...(cursor ? { cursor } : {}),
      },
      { ctx: { requestId: `req_digest_${request.day}`, actor: systemActor }, timeoutMs: 30_000 },
    );
    for (const license of page.items) rows.push(toRow(license, request));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const expired = (row: DigestRow) => (row.status === "expired today" ? 0 : 1);
  return rows.sort((a, b) => expired(a) - expired(b) || a.endDate.localeCompare(b.endDate));
}

function toRow(license: LicenseSummary & { daysLeft: number }, request: RowsRequest): DigestRow {
  // issuer.expiring lists only licenses with an end date.
  const endDate = license.endDate!;
  return {
    licenseId: license.id,
    url: `${request.uiUrl}${licensePagePath}${license.id}`,
    accountName: license.accountName,
    licenseType: `${license.kind === "commercial" ? "Commercial" : "Test"}${license.internal ? ", internal" : ""}`,
    licenseCount: licenseCount(license.availableActivations, license.seats),
    creator: license.createdByName,
    created: localDate(new Date(license.createdAt), request.timeZone),
    products: license.products.join(", "),
    expires: localDateTime(new Date(endDate), request.timeZone),
    status: status(license.daysLeft, new Date(endDate), request.now),
    daysLeft: license.daysLeft,
    endDate: new Date(endDate).toISOString(),
  };
}

/** Machines the license may be activated on, and the collectors a cockpit license covers. */
function licenseCount(activations: number, seats: number): string {
  const count = activations === -1 ? "Unlimited" : String(activations);
  if (seats === 0) return count;
  return `${count} + ${seats === -1 ? "unlimited" : seats} fleet seat${seats === 1 ? "" : "s"}`;
}

function status(daysLeft: number, end: Date, now: Date): string {
  if (daysLeft <= 0) return end.getTime() <= now.getTime() ? "expired today" : "expires today";
  return `expires in ${daysLeft} day${daysLeft === 1 ? "" : "s"}`;
}

const emailAddress = z.email();

/**
 * The creators of the listed licenses who can get the digest: the gateway's users have a username
 * and no email address, so a creator is reachable when their username is an email address.
 */
export function creatorAddresses(rows: readonly DigestRow[]): string[] {
  const seen = new Map<string, string>();
  for (const row of rows) {
    const name = row.creator.trim();
    if (emailAddress.safeParse(name).success && !seen.has(name.toLowerCase()))
      seen.set(name.toLowerCase(), name);
  }
  return [...seen.values()];
}
