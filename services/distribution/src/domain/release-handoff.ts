// The release feed of the hand-off (issue 18): every published or yanked release's newest state, with
// its files, for license servers to mirror. Pulled with GET /v1/sync/releases, pushed on
// `<PREFIX>_RELEASES`; the files themselves come from GET /v1/sync/artifacts/:id and the signed
// index of a product and channel from GET /v1/sync/release-index (docs/distribution.md).

import type { ReleaseArtifact, ReleaseHandoffItem } from "@licensing/contracts";
import { type Orm, query } from "@licensing/platform";
import type { HandoffFeed } from "./handoff.ts";
import { iso, type Timestamp } from "./rows.ts";

export function releasesStream(prefix: string): string {
  return `${prefix.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_RELEASES`;
}

interface FeedRow {
  change_seq: string;
  id: string;
  product: string;
  channel: string;
  version: string;
  state: "published" | "yanked";
  notes: string;
  min_upgradable_from: string | null;
  max_upgradable_from: string | null;
  published_at: Timestamp;
  artifacts: ReleaseArtifact[];
  index_version: number;
  changed_at: Timestamp;
}

function toItem(row: FeedRow): ReleaseHandoffItem {
  return {
    version: 1,
    cursor: String(row.change_seq),
    release: {
      id: row.id,
      product: row.product,
      channel: row.channel,
      version: row.version,
      state: row.state,
      notes: row.notes,
      minUpgradableFrom: row.min_upgradable_from,
      maxUpgradableFrom: row.max_upgradable_from,
      publishedAt: iso(row.published_at),
      artifacts: row.artifacts.map((a) => ({
        id: a.id,
        platform: a.platform,
        arch: a.arch,
        fileType: a.fileType,
        fileName: a.fileName,
        size: a.size,
        sha256: a.sha256,
        url: `/v1/sync/artifacts/${a.id}`,
      })),
    },
    indexVersion: row.index_version,
    changedAt: iso(row.changed_at),
  };
}

/** Releases published, corrected or yanked after `cursor`, oldest change first, at most `limit`. */
export async function releaseChangesSince(orm: Orm, cursor: string | undefined, limit: number) {
  const rows = await query<FeedRow>(
    orm,
    `select change_seq, id, product, channel, version, state, notes, min_upgradable_from, max_upgradable_from,
       published_at, artifacts, index_version, changed_at
     from distribution.releases where change_seq > $1 order by change_seq limit $2`,
    [cursor ?? "0", limit + 1],
  );
  const items = rows.slice(0, limit).map(toItem);
  return { items, nextCursor: items.at(-1)?.cursor ?? cursor ?? null, hasMore: rows.length > limit };
}

export const releasesFeed: HandoffFeed<ReleaseHandoffItem> = {
  name: "releases",
  stream: releasesStream,
  key: (item) => item.release.id,
  what: (item) => `release ${item.release.id}`,
  changes: releaseChangesSince,
};
