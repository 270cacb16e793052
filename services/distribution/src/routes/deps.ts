import type { ArtifactStore } from "@licensing/artifacts";
import type { Orm } from "@licensing/platform";
import type { HttpDrain } from "@licensing/platform/http";
import type { NatsConnection } from "@nats-io/transport-node";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Delegations } from "../domain/delegations.ts";
import type { DownloadCounter } from "../domain/downloads.ts";
import type { Leases } from "../domain/leases.ts";
import type { LicenseRecord } from "../domain/licenses.ts";
import type { Machines } from "../domain/machines.ts";
import type { Receipts } from "../domain/receipts.ts";
import type { DocumentSigning, PublicKeys } from "../domain/signing.ts";
import type { Updates } from "../domain/updates.ts";
import type { Usage } from "../domain/usage.ts";

/** What the routes work with. */
export interface RouteDeps {
  orm: Orm;
  nc: NatsConnection;
  /** Readiness turns to 503 once it has begun. */
  drain: HttpDrain;
  machines: Machines;
  usage: Usage;
  leases: Leases;
  delegations: Delegations;
  receipts: Receipts;
  signing: DocumentSigning;
  keys: PublicKeys;
  downloads: DownloadCounter;
  updates: Updates;
  /** Where release files are (issue 18); without one, their downloads answer 503. */
  artifacts: ArtifactStore | undefined;
  now: () => Date;
  requireLicense: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  requireServerToken: (request: FastifyRequest) => void;
}

/** The license the request authenticated with (set by `requireLicense`). */
export function licenseOf(request: FastifyRequest): LicenseRecord {
  return request.license!;
}
