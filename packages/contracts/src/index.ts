export * from "./catalog.ts";
export * from "./context.ts";
export * from "./endpoint.ts";
export * from "./errors.ts";
export * from "./event.ts";
export * from "./ids.ts";
export * from "./permissions.ts";
export { allEndpoints } from "./registry.ts";
export * from "./schema.ts";
