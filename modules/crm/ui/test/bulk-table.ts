// The set-up of the bulk-action tests of a CRM table (licenses, accounts): the table's fake API, the
// gateway's answer to a bulk request, and selecting the two rows it lists.
import type { BulkAccountItemResult, BulkItemResult } from "@licensing/contracts";
import { fakeApi, type Recorded } from "@licensing/ui/test-support";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect } from "vitest";

type Reply = { status: number; body?: unknown };
/** What answers POST `…/bulk` in a test. */
export type BulkHandler = (request: Recorded) => Reply;

const counted = { status: 200, body: { count: 2, capped: false } };
const empty = { status: 200, body: { items: [], nextCursor: null } };

/** The API of the table at `path` (`/api/licenses`) listing `rows`; `bulk` answers POST `${path}/bulk`. */
export function tableApi(path: string, rows: [unknown, unknown], bulk: BulkHandler) {
  return fakeApi((request) => {
    if (request.path === path) return { status: 200, body: { items: rows, nextCursor: null } };
    if (request.path === `${path}/bulk`) return bulk(request);
    if (request.path === `${path}/count`) return counted;
    return empty;
  });
}

/**
 * The API of the table at `path` whose filters match `rows` over two pages: the table shows the first,
 * and "Select all matching the filters" reads both, 500 a page.
 */
export function pagedTableApi(path: string, [first, second]: [unknown, unknown]) {
  return fakeApi((request) => {
    if (request.path === `${path}/count`) return counted;
    if (request.path !== path) return empty;
    if (request.query.get("limit") === "500")
      return request.query.get("cursor")
        ? { status: 200, body: { items: [second], nextCursor: null } }
        : { status: 200, body: { items: [first], nextCursor: "c2" } };
    return { status: 200, body: { items: [first], nextCursor: "c2" } };
  });
}

/** The gateway's answer to the bulk `request`: the results given, and the count of each outcome. */
export function bulkAnswer(request: Recorded, items: BulkItemResult[] | BulkAccountItemResult[]): Reply {
  const body = request.body as { bulkId: string; action: string };
  const count = (o: string) => items.filter((i: { outcome: string }) => i.outcome === o).length;
  return {
    status: 200,
    body: {
      bulkId: body.bulkId,
      action: body.action,
      done: count("done"),
      refused: count("refused"),
      failed: count("failed"),
      items,
    },
  };
}

/**
 * Ticks the two rows (`Select ${noun} ${label}`) once the table shows them, checks the selection bar
 * counts both, and hands back the user that did it.
 */
export async function selectBoth(noun: "license" | "account", [first, second]: [string, string]) {
  const user = userEvent.setup();
  await user.click(await screen.findByRole("checkbox", { name: `Select ${noun} ${first}` }));
  await user.click(screen.getByRole("checkbox", { name: `Select ${noun} ${second}` }));
  expect(
    within(screen.getByRole("region", { name: `Selected ${noun}s` })).getByText(`2 ${noun}s selected`),
  ).toBeTruthy();
  return user;
}
