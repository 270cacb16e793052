// The NATS server's authorization, generated from the permissions table of @licensing/contracts
// (bus-permissions.ts), so the server's configuration and the table cannot drift: one NKey user per
// bus identity, with exactly the subjects the table grants it. docs/operations.md, "The bus".
import { type BusIdentity, platformBusPermissions, type SubjectPermissions } from "@licensing/contracts";

/** An identity's public NKey (`U…`), as the server names it. */
export type IdentityKeys = Partial<Record<BusIdentity, string>>;

export interface NatsAuthOptions {
  /** The deployment's SUBJECT_PREFIX (one server, or cluster, may serve several: one entry each). */
  prefixes: readonly string[];
  /** Public NKeys of the identities that exist in the deployment. */
  users: IdentityKeys;
  /**
   * Public NKeys with every right (`>`), for operators' tools (the bus CLI, dead letters): never
   * given to a service.
   */
  admins?: readonly string[];
}

/** The `authorization { … }` block of nats-server.conf. */
export function natsAuthorization(options: NatsAuthOptions): string {
  const tables = options.prefixes.map((prefix) => platformBusPermissions(prefix));
  const users: string[] = [];
  for (const [identity, nkey] of Object.entries(options.users) as [BusIdentity, string][]) {
    checkNkey(nkey, identity);
    const merged = mergePermissions(tables.map((table) => table[identity]!));
    users.push(userBlock(nkey, merged, identity));
  }
  for (const nkey of options.admins ?? []) {
    checkNkey(nkey, "admin");
    users.push(`    # admin: operators' tools\n    { nkey: ${JSON.stringify(nkey)} }`);
  }
  return `authorization {\n  users: [\n${users.join("\n")}\n  ]\n}\n`;
}

function checkNkey(nkey: string, identity: string): void {
  if (!/^U[A-Z2-7]{55}$/.test(nkey)) throw new Error(`${identity}: ${nkey} is not a public user NKey`);
}

function mergePermissions(all: SubjectPermissions[]): SubjectPermissions {
  return {
    publish: [...new Set(all.flatMap((p) => p.publish))],
    subscribe: [...new Set(all.flatMap((p) => p.subscribe))],
    allowResponses: all.some((p) => p.allowResponses),
  };
}

function userBlock(nkey: string, permissions: SubjectPermissions, identity: string): string {
  const list = (subjects: string[]) => subjects.map((s) => `          ${JSON.stringify(s)}`).join(",\n");
  return [
    `    # ${identity}`,
    `    { nkey: ${JSON.stringify(nkey)}, permissions: {`,
    `        publish: { allow: [\n${list(permissions.publish)}\n        ] },`,
    `        subscribe: { allow: [\n${list(permissions.subscribe)}\n        ] },`,
    ...(permissions.allowResponses ? ["        allow_responses: true"] : []),
    "    } }",
  ].join("\n");
}
