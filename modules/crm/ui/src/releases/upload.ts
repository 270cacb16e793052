import { getCsrfToken } from "@licensing/ui/kit";
import { useCallback, useEffect, useRef, useState } from "react";
import { type DetailedError, Upload } from "tus-js-client";

type PreviousUpload = Awaited<ReturnType<Upload["findPreviousUploads"]>>[number];

// A release file's upload, by the tus resumable upload protocol (tus.io) to the gateway's
// /api/release-uploads. tus-js-client reads the File a chunk at a time (8 MiB), so a file of several
// GB is never held in memory; it remembers each upload in localStorage by the file's name, size and
// date, so after a reload (or a lost connection) choosing the same file again carries on where the
// gateway says it stands. When the last byte is in, the gateway hashes the file and attaches it to
// the draft; the page then reads the release again.

export const UPLOAD_ENDPOINT = "/api/release-uploads";
export const CHUNK_SIZE = 8 * 1024 * 1024;

export interface UploadTarget {
  releaseId: string;
  platform: string;
  arch: string;
  fileType: string;
}

export type UploadStatus = "idle" | "uploading" | "paused" | "done" | "failed";

export interface UploadState {
  status: UploadStatus;
  fileName: string;
  sent: number;
  total: number;
  /** What went wrong, in words for the operator. */
  error: string | null;
  /** Carried on from an earlier, unfinished upload of the same file. */
  resumed: boolean;
}

const idle: UploadState = { status: "idle", fileName: "", sent: 0, total: 0, error: null, resumed: false };

/** A tus failure in words: the gateway's own message when it answered one, else what happened. */
export function uploadErrorText(error: Error | DetailedError): string {
  const response = "originalResponse" in error ? error.originalResponse : null;
  if (response) {
    const status = response.getStatus();
    let message: string | undefined;
    try {
      const body = JSON.parse(response.getBody()) as { message?: unknown; details?: { issues?: unknown } };
      if (typeof body.message === "string") message = body.message;
      const issues = body.details?.issues;
      if (Array.isArray(issues) && issues.length > 0) {
        const first = issues[0] as { path?: string; message?: string };
        if (first.message)
          message = `${message ?? "Refused"}: ${first.path ? `${first.path} ` : ""}${first.message}`;
      }
    } catch {
      // Not our error body (a proxy's page): say the status instead.
    }
    if (status === 401)
      return "Your session has ended. Sign in again, then choose the file again to carry on.";
    if (status === 403) return "Your role may not upload release files.";
    if (status === 413) return message ?? "The file is larger than the server accepts.";
    return message ?? `The server refused the upload (HTTP ${status}).`;
  }
  return "The connection to the server was lost. Choose Resume to carry on from where it stopped.";
}

/** The previous upload of this very file to this very target, if one was left unfinished. */
export function matchingUpload(
  previous: readonly PreviousUpload[],
  target: UploadTarget,
): PreviousUpload | undefined {
  return previous.find(
    (upload) =>
      upload.metadata.releaseId === target.releaseId &&
      upload.metadata.platform === target.platform &&
      upload.metadata.arch === target.arch &&
      upload.metadata.fileType === target.fileType,
  );
}

/** Starts, pauses, resumes and cancels one upload at a time; `onDone` runs once the gateway has the file. */
export function useReleaseUpload(onDone: () => void) {
  const [state, setState] = useState<UploadState>(idle);
  const upload = useRef<Upload | null>(null);
  const done = useRef(onDone);
  done.current = onDone;

  // Leaving the page pauses the upload; its place is remembered for the next time.
  useEffect(() => () => void upload.current?.abort(), []);

  const start = useCallback(async (file: File, target: UploadTarget) => {
    const tus = new Upload(file, {
      endpoint: UPLOAD_ENDPOINT,
      chunkSize: CHUNK_SIZE,
      retryDelays: [0, 1_000, 3_000, 5_000],
      removeFingerprintOnSuccess: true,
      metadata: { ...target, filename: file.name },
      headers: { "X-CSRF-Token": getCsrfToken() ?? "" },
      onBeforeRequest: (req) => {
        const xhr = req.getUnderlyingObject() as { withCredentials?: boolean } | undefined;
        if (xhr && "withCredentials" in xhr) xhr.withCredentials = true;
      },
      onProgress: (sent, total) => setState((s) => ({ ...s, sent, total })),
      onSuccess: () => {
        upload.current = null;
        setState((s) => ({ ...s, status: "done", sent: s.total }));
        done.current();
      },
      onError: (error) => setState((s) => ({ ...s, status: "failed", error: uploadErrorText(error) })),
    });
    upload.current = tus;
    setState({ ...idle, status: "uploading", fileName: file.name, total: file.size });
    const previous = matchingUpload(await tus.findPreviousUploads(), target);
    if (previous) {
      tus.resumeFromPreviousUpload(previous);
      setState((s) => ({ ...s, resumed: true }));
    }
    tus.start();
  }, []);

  const pause = useCallback(() => {
    void upload.current?.abort();
    setState((s) => ({ ...s, status: "paused" }));
  }, []);

  const resume = useCallback(() => {
    upload.current?.start();
    setState((s) => ({ ...s, status: "uploading", error: null }));
  }, []);

  /** Gives up: the gateway drops what it has, and the remembered place is forgotten. */
  const cancel = useCallback(async () => {
    const current = upload.current;
    upload.current = null;
    setState(idle);
    await current?.abort(true).catch(() => undefined);
  }, []);

  const reset = useCallback(() => setState(idle), []);

  return { state, start, pause, resume, cancel, reset };
}
