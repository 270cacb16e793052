// What `npm start` does for the gateway beyond starting it: trust the development vendor key when no
// vendor key is configured, wait until the gateway is ready, and tell the person at the terminal
// where the UI is, the first superadmin's credentials (when they were just created) and how to get
// a development activation license for the CRM module. It learns where the gateway listens and the
// credentials from the gateway's start-up message (never from its log, which LOG_LEVEL may silence).

import { devVendorPublicKeys } from "@licensing/gateway/dev-vendor-key";
import type { StartedMessage } from "@licensing/platform";

export interface GatewayLaunch {
  /** Variables the gateway gets on top of the platform's. */
  env: Record<string, string>;
  /** Takes the gateway's start-up message. */
  onStarted(message: StartedMessage): void;
  /** Resolves once /readyz answers 200; throws after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** What to print once the platform is up. */
  summary(): string[];
}

export function gatewayLaunch(
  dataDir: string,
  requiredServices: readonly string[],
  env: Record<string, string | undefined>,
): GatewayLaunch {
  const extra: Record<string, string> = {};
  const usesDevKey = !env.GATEWAY_VENDOR_PUBLIC_KEYS;
  if (usesDevKey) extra.GATEWAY_VENDOR_PUBLIC_KEYS = devVendorPublicKeys(dataDir);
  if (!env.GATEWAY_REQUIRED_SERVICES) extra.GATEWAY_REQUIRED_SERVICES = requiredServices.join(",");
  let listening: string | undefined;
  let url: string | undefined;
  let firstAdmin: { username: string; temporaryPassword: string } | undefined;

  return {
    env: extra,
    onStarted(message) {
      if (message.listening) [listening, url] = [message.listening, message.url ?? message.listening];
      const { firstSuperadmin, temporaryPassword } = message.details ?? {};
      if (firstSuperadmin && temporaryPassword) firstAdmin = { username: firstSuperadmin, temporaryPassword };
    },
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last = "it has not started listening";
      while (Date.now() < deadline) {
        if (listening) {
          try {
            const response = await fetch(`${listening}/readyz`);
            if (response.ok) return;
            last = ((await response.json()) as { message?: string }).message ?? `HTTP ${response.status}`;
          } catch (error) {
            last = error instanceof Error ? error.message : String(error);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`the gateway is not ready: ${last}`);
    },
    summary() {
      const lines = [`UI and API           ${url ?? "(not listening)"}   (API docs: ${url ?? ""}/api/docs)`];
      if (firstAdmin)
        lines.push(
          `First superadmin     ${firstAdmin.username} / ${firstAdmin.temporaryPassword}   (shown once; change it at first sign-in)`,
        );
      if (usesDevKey)
        lines.push(
          "CRM activation       npm run dev:activation -w services/gateway   prints a development license; paste it in Settings → Activation",
        );
      return lines;
    },
  };
}
