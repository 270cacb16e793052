// `npm run users -w services/gateway -- reset-password <username>`: recovers a lost password (the
// last superadmin's, typically) on the server itself, with the gateway's configuration and direct
// access to its database: no sign-in needed. The user gets a new temporary password, to be changed
// at next sign-in, and every session of theirs ends. The password is printed once on the console;
// the act is audited (user.password-reset by system, naming the OS user) and logged at warn, without it.
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { AppError, systemActor } from "@licensing/contracts";
import { ConfigError, createLogger } from "@licensing/platform";
import { loadGatewayConfig } from "./config.ts";
import { Roles } from "./domain/roles.ts";
import { Users } from "./domain/users.ts";
import { openGatewayDatabase } from "./service.ts";

const usage = "usage: npm run users -w services/gateway -- reset-password <username>";

const { positionals } = parseArgs({ allowPositionals: true, options: {} });
const [command, username, ...rest] = positionals;
if (command !== "reset-password" || !username || rest.length > 0) {
  console.error(usage);
  process.exit(64);
}

const config = (() => {
  try {
    return loadGatewayConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
})();
const log = createLogger("gateway", config.LOG_LEVEL);
const orm = await openGatewayDatabase(config.DATABASE_URL, log, 2);
try {
  const { user, temporaryPassword } = await new Users(orm, () => new Date(), new Roles(orm)).resetPasswordOf(
    username,
    {
      actor: systemActor,
      requestId: null,
      reason: `from the server (users reset-password) by cli:${userInfo().username}`,
    },
  );
  log.warn(
    { userId: user.id, username: user.username, by: `cli:${userInfo().username}` },
    "password reset from the server (users reset-password): sessions ended, new temporary password",
  );
  console.log(
    `New temporary password for "${user.username}": ${temporaryPassword}\n` +
      "(shown this once; it must be changed at next sign-in; every session of this user has ended)" +
      (user.disabled ? `\nNote: "${user.username}" is disabled and cannot sign in until enabled.` : ""),
  );
} catch (error) {
  if (!(error instanceof AppError) || error.code !== "not_found") throw error;
  console.error(`No user named "${username}"`);
  process.exitCode = 1;
} finally {
  await orm.close();
}
