/**
 * The services `npm start` runs, each as its own process, in start order. `bus` services are ready
 * when they answer `$SRV.PING`; the `http` gateway when its /readyz answers (which needs the others).
 */
export const platformServices = [
  { name: "catalog", entry: "services/catalog/src/main.ts", kind: "bus" },
  { name: "issuer", entry: "services/issuer/src/main.ts", kind: "bus" },
  { name: "distribution", entry: "services/distribution/src/main.ts", kind: "bus" },
  { name: "notifier", entry: "services/notifier/src/main.ts", kind: "bus" },
  { name: "mailcatcher", entry: "services/notifier/src/mail-catcher/main.ts", kind: "bus" },
  { name: "gateway", entry: "services/gateway/src/main.ts", kind: "http" },
] as const;
