export { type BusServiceOptions, createBusService, type RunningService, type Worker } from "./bus-service.ts";
export { baseConfig, ConfigError, databaseConfig, loadConfig } from "./config.ts";
export {
  classifyDatabaseError,
  type DatabaseOptions,
  type EntityManager,
  type Orm,
  openDatabase,
} from "./database.ts";
export { trackedProperties } from "./entity-base.ts";
export {
  EventConsumer,
  type EventConsumerOptions,
  type EventContext,
  type EventHandler,
} from "./event-consumer.ts";
export { ensureEventStream, eventStreamName } from "./event-stream.ts";
export { GroupCommit, type GroupCommitOptions } from "./group-commit.ts";
export { insertRows } from "./insert-rows.ts";
export {
  isStartedMessage,
  type ServiceStarted,
  type StartedMessage,
  tellLauncher,
} from "./launcher.ts";
export { createLogger, type Logger } from "./logger.ts";
export { runUntilSignal, type Stoppable } from "./main.ts";
export { connectNats } from "./nats.ts";
export { definedOnly } from "./objects.ts";
export {
  eventEntities,
  eventTablesMigration,
  OutboxMessage,
  ProcessedEvent,
  recordEvent,
  recordEvents,
} from "./outbox.ts";
export { OutboxRelay, type OutboxRelayOptions } from "./outbox-relay.ts";
export { execute, Params, query, queryOne, type SqlParams, type SqlTarget, tableName } from "./sql.ts";
