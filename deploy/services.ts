/** The services `npm start` runs, each as its own process, in start order. */
export const platformServices = [
  { name: "catalog", entry: "services/catalog/src/main.ts" },
  { name: "issuer", entry: "services/issuer/src/main.ts" },
] as const;
