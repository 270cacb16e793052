/**
 * What a service tells the program that started it (`npm start`) once it is up, over Node's IPC
 * channel: machine-readable, whatever LOG_LEVEL says, and nothing at all when no launcher listens.
 */
export interface ServiceStarted {
  /** Where it answers HTTP, for programs (a port of 0 picks a free one). */
  listening?: string;
  /** Where people reach it. */
  url?: string;
  /**
   * What else the launcher's code for this service reads, e.g. the gateway's first superadmin,
   * which the person at the terminal must be told.
   */
  details?: Record<string, string>;
}

/** The IPC message a launcher receives from a service that has started. */
export interface StartedMessage extends ServiceStarted {
  type: "licensing/started";
}

export function isStartedMessage(message: unknown): message is StartedMessage {
  return (
    typeof message === "object" &&
    message !== null &&
    (message as { type?: unknown }).type === "licensing/started"
  );
}

/** Whether a launcher (`npm start`) started this process and will show what it is told. */
export function hasLauncher(): boolean {
  return typeof process.send === "function" && process.connected;
}

/** Sends `started` to the launcher, if this process has one (it was spawned with an IPC channel). */
export function tellLauncher(started: ServiceStarted): void {
  if (!hasLauncher()) return;
  const message: StartedMessage = { type: "licensing/started", ...started };
  process.send?.(message);
}
