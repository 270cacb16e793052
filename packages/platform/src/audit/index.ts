export {
  type AuditChainReport,
  type AuditRow,
  auditChainWorker,
  chainAuditBatch,
  chainGenesis,
  chainHash,
  verifyAuditChain,
} from "./chain.ts";
export { AuditLogEntity, AuditLogMigration, auditLogMigration } from "./entity.ts";
export {
  checkAuditWindow,
  decodeAuditCursor,
  encodeAuditCursor,
  listAudit,
  toAuditLogEntry,
} from "./read.ts";
export { type AuditRecord, auditRows, changesBetween, recordAudit } from "./record.ts";
export { runAuditVerifyCli } from "./verify-cli.ts";
