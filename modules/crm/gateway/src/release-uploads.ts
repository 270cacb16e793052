import { isArtifactKey } from "@licensing/artifacts";
import {
  AppError,
  artifactSchemaFields,
  type ErrorCode,
  idOf,
  MAX_ARTIFACT_BYTES,
  releases,
  toFieldIssues,
} from "@licensing/contracts";
import type { GatewayModulePlugin } from "@licensing/gateway/module";
import { Server as TusServer } from "@tus/server";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { UploadLocks } from "./upload-locks.ts";

/** What an upload says of its file (tus `Upload-Metadata`), checked as the release index checks it. */
const uploadMetadata = z.object({
  releaseId: idOf("release"),
  platform: artifactSchemaFields.platform,
  arch: artifactSchemaFields.arch,
  fileType: artifactSchemaFields.fileType,
  filename: artifactSchemaFields.fileName,
});

/** A refusal as the tus server sends it: the platform's error body, with its HTTP status. */
function refusal(error: AppError, request: FastifyRequest) {
  return {
    status_code: error.status,
    body: JSON.stringify({
      code: error.code,
      message: error.message,
      requestId: request.id,
      details: error.details,
    }),
  };
}

/** The platform's code for a status the tus server answers with (412, 415 and 460 are bad requests). */
function codeOfTusStatus(status: number): ErrorCode {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404 || status === 410) return "not_found";
  if (status === 409) return "conflict";
  if (status === 413) return "payload_too_large";
  if (status === 503) return "service_unavailable";
  if (status >= 500) return "internal";
  return "validation_failed";
}

/**
 * Release files come in through the tus resumable upload protocol (tus.io; `@tus/server`), chunk by
 * chunk, resumed after a broken connection or a reload from where the server says it stands, into
 * the artifact store. The upload names its draft release and what the file is for; when its last
 * byte is in, the file is hashed once and attached to the release as the operator who sent it.
 * One request writes an upload at a time, whichever replica it reached: the lock is shared by the
 * gateway's replicas over NATS and lapses when its holder dies (upload-locks.ts).
 */
export const releaseUploadRoutes: GatewayModulePlugin = async (
  app,
  { call, artifacts, nc, subjectPrefix, uploadLockTtlMs },
) => {
  // The tus server reads the chunk itself, from the request as Node gave it.
  app.addContentTypeParser("application/offset+octet-stream", (_request, _payload, done) => done(null));
  // The tus hooks get the request as a web Request; the Node request under it leads back to the
  // gateway's, which carries the operator (and the request id) the catalog calls are made as.
  const operators = new WeakMap<object, FastifyRequest>();
  const operatorOf = (req: { runtime?: { node?: { req: object } } }) => {
    const request = req.runtime?.node ? operators.get(req.runtime.node.req) : undefined;
    if (!request) throw new Error("a tus request reached the hooks without its gateway request");
    return request;
  };
  const tus = artifacts
    ? new TusServer({
        path: "/api/release-uploads",
        datastore: artifacts.uploads,
        locker: new UploadLocks({ nc, prefix: subjectPrefix, ttlMs: uploadLockTtlMs }),
        maxSize: MAX_ARTIFACT_BYTES,
        relativeLocation: true,
        // The tus server's own refusals (an offset that does not match, a missing header…) in the
        // platform's error shape, as every other answer of the API.
        onResponseError(req, error) {
          const request = operatorOf(req);
          const status = "status_code" in error ? error.status_code : 500;
          const body = "body" in error ? error.body : "";
          if (body.startsWith("{")) return { status_code: status, body };
          // 503: the upload's lock could not be reached (upload-locks.ts), the client's to retry.
          const unexpected = status >= 500 && status !== 503;
          if (unexpected) request.log.error({ err: error }, "a release upload failed");
          else if (status === 503) request.log.warn({ err: error }, "a release upload waits for the bus");
          const message = unexpected
            ? "The upload failed; the failure is logged under this request id"
            : body.trim() || `tus answered ${status}`;
          return {
            status_code: status,
            body: JSON.stringify({ code: codeOfTusStatus(status), message, requestId: request.id }),
          };
        },
        async onUploadCreate(req, upload) {
          const request = operatorOf(req);
          const parsed = uploadMetadata.safeParse(upload.metadata ?? {});
          if (!parsed.success)
            throw refusal(AppError.validation(toFieldIssues(parsed.error), "upload metadata"), request);
          if (upload.size === undefined)
            throw refusal(
              AppError.validation([{ path: "Upload-Length", message: "must be given" }]),
              request,
            );
          const release = await call(request, releases.getRelease, { id: parsed.data.releaseId }).catch(
            (error: unknown) => {
              throw error instanceof AppError ? refusal(error, request) : error;
            },
          );
          if (release.state !== "draft")
            throw refusal(
              new AppError(
                "conflict",
                `Release ${release.version} is ${release.state}: it gets no new files`,
              ),
              request,
            );
          return {};
        },
        async onUploadFinish(req, upload) {
          const request = operatorOf(req);
          const meta = uploadMetadata.parse(upload.metadata);
          const { size, sha256 } = await artifacts.digest(upload.id);
          try {
            const release = await call(request, releases.addArtifact, {
              releaseId: meta.releaseId,
              platform: meta.platform,
              arch: meta.arch,
              fileType: meta.fileType,
              fileName: meta.filename,
              size,
              sha256,
              storageKey: upload.id,
            });
            const artifact = release.artifacts.find((a) => a.storageKey === upload.id)!;
            return { headers: { "Artifact-Id": artifact.id, "Artifact-Sha256": sha256 } };
          } catch (error) {
            // Not attached (the draft was published meanwhile, or has a file for that target): the
            // bytes would be nobody's.
            await artifacts.remove(upload.id).catch(() => {});
            throw error instanceof AppError ? refusal(error, request) : error;
          }
        },
      })
    : undefined;

  const handle = async (request: FastifyRequest<{ Params: { uploadId?: string } }>, reply: FastifyReply) => {
    if (!tus)
      throw new AppError("service_unavailable", "This deployment keeps no release files (ARTIFACT_*)");
    const { uploadId } = request.params;
    if (uploadId !== undefined && !isArtifactKey(uploadId))
      throw AppError.validation([{ path: "uploadId", message: "is not an upload of this server" }]);
    if (request.headers["tus-resumable"] !== "1.0.0")
      throw AppError.validation([
        { path: "Tus-Resumable", message: "must be 1.0.0: uploads speak the tus protocol (tus.io)" },
      ]);
    operators.set(request.raw, request);
    // Hijacked, the answer skips the gateway's hooks: its request id is set here.
    reply.raw.setHeader("X-Request-Id", request.id);
    reply.raw.setHeader("X-Content-Type-Options", "nosniff");
    reply.hijack();
    await tus.handle(request.raw, reply.raw);
  };
  const schema = {
    tags: ["update server"],
    summary: "Upload a release file with the tus resumable upload protocol (tus.io)",
    description:
      "POST creates an upload (`Upload-Length`, `Upload-Metadata` with `releaseId`, `platform`, `arch`, " +
      "`fileType`, `filename`), HEAD says how much arrived, PATCH sends the next chunk, DELETE gives up. " +
      `At most ${MAX_ARTIFACT_BYTES} bytes. When the last chunk is in, the file is hashed and attached to the ` +
      "draft release (the answer's `Artifact-Id` header).",
  };
  for (const url of ["/release-uploads", "/release-uploads/:uploadId"]) {
    app.route({
      method: ["POST", "PATCH", "DELETE"],
      url,
      config: { access: "release.write" },
      schema,
      handler: handle,
    });
    // HEAD (how much of an upload arrived) answers with headers alone, errors included, as HTTP
    // wants: it is the protocol's, and left out of the API document, whose errors have a body.
    app.route({
      method: "HEAD",
      url,
      config: { access: "release.write" },
      schema: { ...schema, hide: true },
      handler: handle,
    });
  }
};
