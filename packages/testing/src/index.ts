export { type StartedPlatform, startPlatform } from "./npm-start.ts";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";
export { createTestEnv, type TestEnv } from "./test-env.ts";
