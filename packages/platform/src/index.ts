export {
  type AuditChainReport,
  AuditLogEntity,
  type AuditRecord,
  auditChainWorker,
  auditLogMigration,
  auditRows,
  chainAuditBatch,
  changesBetween,
  checkAuditWindow,
  decodeAuditCursor,
  encodeAuditCursor,
  listAudit,
  recordAudit,
  runAuditVerifyCli,
  toAuditLogEntry,
  verifyAuditChain,
} from "./audit/index.ts";
export { type BusServiceOptions, createBusService, type RunningService, type Worker } from "./bus-service.ts";
export {
  baseConfig,
  ConfigError,
  databaseConfig,
  httpConfig,
  kekSetting,
  loadConfig,
  previousKeksSetting,
  secretVariablesOf,
} from "./config.ts";
export {
  classifyDatabaseError,
  type DatabaseDefinition,
  type DatabaseOptions,
  type EntityManager,
  migrate,
  type Orm,
  openDatabase,
  ormOptions,
} from "./database.ts";
export {
  type DeadLetter,
  type DeadLetterInput,
  type DeadLetterReason,
  DeadLetters,
  deadLetterReasons,
  deadLetterStreamName,
  type Replayed,
} from "./dead-letters.ts";
export { trackedProperties } from "./entity-base.ts";
export {
  type ConsumerFigures,
  EventConsumer,
  type EventConsumerOptions,
  type EventContext,
  type EventHandler,
} from "./event-consumer.ts";
export { type EventEnvelope, envelopeHeaders, readEnvelope } from "./event-envelope.ts";
export { ensureEventStream, eventStreamName } from "./event-stream.ts";
export { GroupCommit, type GroupCommitOptions } from "./group-commit.ts";
export { type EntityRows, insertRows, insertRowsTogether } from "./insert-rows.ts";
export {
  type ColumnRotation,
  rotateSealedColumns,
  runKekRotation,
  type SealedColumn,
} from "./kek-rotation.ts";
export {
  hasLauncher,
  isStartedMessage,
  type ServiceStarted,
  type StartedMessage,
  tellLauncher,
} from "./launcher.ts";
export { createLogger, type Logger } from "./logger.ts";
export { runServiceProcess, runUntilSignal, type StartedService, type Stoppable } from "./main.ts";
export {
  type MetricsServer,
  observeBusRequest,
  observeHttpRequest,
  observeRateLimitKeyShed,
  startMetricsServer,
} from "./metrics.ts";
export { createMigration, pendingSchemaChanges, runMigrationCli, writeBaseline } from "./migration-cli.ts";
export { connectNats, type NatsOptions, natsOptionsFrom } from "./nats.ts";
export { definedOnly } from "./objects.ts";
export {
  eventEntities,
  eventInlineMigration,
  eventRows,
  eventTablesMigration,
  eventTraceMigration,
  eventVersionMigration,
  OutboxMessage,
  ProcessedEvent,
  recordEvent,
  recordEvents,
} from "./outbox.ts";
export { OutboxRelay, type OutboxRelayOptions } from "./outbox-relay.ts";
export { PollingWorker, type PollingWorkerOptions } from "./polling-worker.ts";
export {
  applyRepeatableSql,
  type RepeatableSql,
  readRepeatableSql,
  repeatableTable,
} from "./repeatable-sql.ts";
export { type Keyring, kekId, SealedBox, SealedBoxError } from "./sealed-box.ts";
export { execute, Params, query, queryOne, type SqlParams, type SqlTarget, tableName } from "./sql.ts";
export { ensureStream } from "./streams.ts";
export { connectTool } from "./tool-connection.ts";
export {
  activeTraceIds,
  platformTracer,
  startTracing,
  type Tracing,
  TracingAlreadyStarted,
  type TracingOptions,
  traceCarrier,
} from "./tracing.ts";
