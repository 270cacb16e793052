// "Is there an update for me?" and the download that follows (issue 18). The server's answer is
// trusted only as far as the release index it carries: signed by a pinned release key, for this
// product and channel, not older than the last one accepted (a rollback), not expired (a frozen
// index), and holding the release and file the answer names. A download is kept only once its size
// and SHA-256 are those of the index.
import type { updateCheckResponse } from "@licensing/contracts";
import {
  bestUpgrade,
  createArtifactVerifier,
  isModelError,
  type KeySet,
  openReleaseIndex,
  type ReleaseIndexState,
} from "@licensing/model";
import type { z } from "zod";
import { effectiveNow } from "./clock.ts";
import type { ManagerContext } from "./context.ts";
import { LicenseError, reasonOfModelCode } from "./errors.ts";

export interface UpdateQuery {
  /** The version running now (SemVer). */
  currentVersion: string;
  /** `stable` unless said. */
  channel?: string;
  /** This machine's, as the platform knows it (Node: windows, macos, linux…). */
  platform?: string;
  /** This machine's, as the platform knows it (Node: x64, arm64…). */
  arch?: string;
  /** Only files of this type (msi, tar.gz…). */
  fileType?: string;
}

/** A release to install: what it is, and the file to download. */
export interface AvailableUpdate {
  version: string;
  publishedAt: string;
  /** Markdown. */
  notes: string;
  artifact: {
    url: string;
    fileName: string;
    size: number;
    sha256: string;
    platform: string;
    arch: string;
    fileType: string;
  };
}

export type UpdateCheck = { currentYanked: boolean } & (
  | { update: true; release: AvailableUpdate }
  | {
      update: false;
      reason: "up_to_date" | "no_artifact_for_platform" | "not_upgradable_from_current" | "not_entitled";
    }
);

type Answer = z.output<typeof updateCheckResponse>;

const indexDocument = (channel: string) => `release-index:${channel}`;

function refusal(error: unknown, what: string): never {
  if (isModelError(error))
    throw new LicenseError(reasonOfModelCode(error.code), `${what}: ${error.message}`, { cause: error });
  throw error;
}

export class Updates {
  readonly #ctx: ManagerContext;
  readonly #product: string;
  readonly #keys: KeySet;

  constructor(ctx: ManagerContext, product: string, releaseKeys: KeySet) {
    this.#ctx = ctx;
    this.#product = product;
    this.#keys = releaseKeys;
  }

  async check(query: UpdateQuery): Promise<UpdateCheck> {
    const channel = query.channel ?? "stable";
    const target = this.#ctx.platform.updateTarget?.();
    const platform = query.platform ?? target?.platform;
    const arch = query.arch ?? target?.arch;
    if (!platform || !arch)
      throw new TypeError("platform and arch are needed where the platform cannot tell them");
    const body = {
      product: this.#product,
      channel,
      currentVersion: query.currentVersion,
      platform,
      arch,
      ...(query.fileType ? { fileType: query.fileType } : {}),
    };
    let answer: Answer;
    try {
      answer = (await this.#ctx.api().call<Answer>("POST", "/v1/updates/check", body)).body;
    } catch (error) {
      if (error instanceof LicenseError && error.code === "forbidden")
        throw new LicenseError("not_entitled", error.message, { code: error.code });
      throw error;
    }
    if (answer.index === null) {
      if (answer.update)
        throw new LicenseError("update_mismatch", "An update was offered without a release index");
      return { update: false, reason: "up_to_date", currentYanked: false };
    }
    const stored = await this.#ctx.state.getDocument(indexDocument(channel));
    const lastSeen = stored ? (JSON.parse(stored) as ReleaseIndexState) : undefined;
    const now = effectiveNow(await this.#ctx.state.read(), this.#ctx.now());
    let opened: ReturnType<typeof openReleaseIndex>;
    try {
      opened = openReleaseIndex(answer.index, {
        keys: this.#keys,
        now,
        product: this.#product,
        channel,
        ...(lastSeen ? { lastSeen } : {}),
      });
    } catch (error) {
      refusal(error, "The release index is refused");
    }
    await this.#ctx.state.setDocument(indexDocument(channel), JSON.stringify(opened.state));
    const currentYanked = opened.index.releases.some((r) => r.yanked && r.version === query.currentVersion);
    if (!answer.update || !answer.release)
      return { update: false, reason: answer.reason ?? "up_to_date", currentYanked };
    const offered = answer.release;
    const listed = opened.index.releases.find((r) => r.version === offered.version && !r.yanked);
    const file = listed?.artifacts.find(
      (a) =>
        a.platform === offered.artifact.platform &&
        a.arch === offered.artifact.arch &&
        a.fileType === offered.artifact.fileType &&
        a.sha256 === offered.artifact.sha256 &&
        a.size === offered.artifact.size,
    );
    // The index decides: the server may only point at what it holds, and at nothing worse than its best.
    const best = bestUpgrade(opened.index, {
      currentVersion: query.currentVersion,
      platform,
      arch,
      ...(query.fileType ? { fileType: query.fileType } : {}),
    });
    if (!listed || !file || !best.upgrade)
      throw new LicenseError(
        "update_mismatch",
        `The server offered ${offered.version}, which the signed release index does not hold as offered`,
      );
    return {
      update: true,
      currentYanked,
      release: {
        version: offered.version,
        publishedAt: offered.publishedAt,
        notes: offered.notes,
        artifact: { ...offered.artifact },
      },
    };
  }

  /**
   * Downloads `release`'s file to `path`: into `path.part` first, resumed from what it holds (a
   * Range request), verified against the index's size and SHA-256, then renamed. A file that is not
   * the one released is deleted and refused (`artifact_mismatch`).
   */
  async download(
    release: AvailableUpdate,
    path: string,
  ): Promise<{ path: string; size: number; sha256: string }> {
    const files = this.#ctx.platform.files;
    if (!files)
      throw new TypeError("downloadUpdate needs a file system (Node); browsers download by the URL");
    const part = `${path}.part`;
    const { size, sha256 } = release.artifact;
    const verifier = createArtifactVerifier({ size, sha256 });
    let have = await files.size(part);
    if (have > size) {
      await files.remove(part);
      have = 0;
    }
    if (have > 0) for await (const chunk of files.read(part)) verifier.update(chunk);
    if (have < size) {
      const response = await this.#ctx
        .api()
        .fetchBytes(release.artifact.url, have > 0 ? have : undefined, sha256);
      const resumed = response.status === 206;
      if (!resumed && have > 0) {
        // The server sent the whole file (it could not resume): start the file again.
        await files.remove(part);
        return this.download(release, path);
      }
      try {
        await files.append(part, verified(response.body, verifier));
      } catch (error) {
        if (isModelError(error)) await files.remove(part);
        refusal(error, `The download of ${release.artifact.fileName} is refused`);
      }
    }
    try {
      verifier.finish();
    } catch (error) {
      await files.remove(part);
      refusal(error, `The download of ${release.artifact.fileName} is refused`);
    }
    await files.rename(part, path);
    return { path, size, sha256 };
  }
}

/** Passes the chunks on, each checked first (the verifier throws past the expected size). */
async function* verified(
  body: AsyncIterable<Uint8Array>,
  verifier: ReturnType<typeof createArtifactVerifier>,
) {
  for await (const chunk of body) {
    verifier.update(chunk);
    yield chunk;
  }
}
