/**
 * The services `npm start` runs, each as its own process, in start order. Each says when it has
 * started (over the IPC channel, see packages/platform/src/launcher.ts); the `http` gateway is ready
 * when its /readyz answers, which needs every `bus` service answering `$SRV.PING`.
 */
export const platformServices = [
  { name: "catalog", entry: "services/catalog/src/main.ts", kind: "bus" },
  { name: "issuer", entry: "services/issuer/src/main.ts", kind: "bus" },
  { name: "distribution", entry: "services/distribution/src/main.ts", kind: "bus" },
  { name: "notifier", entry: "services/notifier/src/main.ts", kind: "bus" },
  { name: "mailcatcher", entry: "tools/mail-catcher/src/main.ts", kind: "bus" },
  { name: "gateway", entry: "services/gateway/src/main.ts", kind: "http" },
] as const;
