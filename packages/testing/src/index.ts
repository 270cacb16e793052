export { testActorEnv, testActorKeys } from "./actor-keys.ts";
export { Balancer } from "./balancer.ts";
export { freePort } from "./free-port.ts";
export { type NatsCluster, startNatsCluster } from "./nats-cluster.ts";
export { type StartedPlatform, startPlatform } from "./npm-start.ts";
export { deletePrefixStreams } from "./prefix-streams.ts";
export {
  missingMigration,
  openAsBefore,
  type SchemaSuite,
  schemaDifferences,
  schemaObjects,
  schemaTests,
  scratchDatabase,
  type TableContents,
  tableContents,
} from "./schema.ts";
export { type SecureNats, startSecureNats } from "./secure-nats.ts";
export { type Exited, type ServiceProcess, startServiceProcess } from "./service-process.ts";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";
export { createTestEnv, type TestEnv, type TestEnvOptions } from "./test-env.ts";
