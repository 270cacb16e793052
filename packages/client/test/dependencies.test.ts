import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, test } from "vitest";

// Products install @licensing/client: nothing the servers run may come with it.
const serverPackages = [
  /^@nats-io\//,
  /^pino/,
  /^fastify/,
  /^@fastify\//,
  /^pg$/,
  /^@mikro-orm\//,
  /^kysely/,
  /^nodemailer/,
];
const ownPackagesAllowed = new Set(["@licensing/client", "@licensing/contracts", "@licensing/model"]);

interface NpmTree {
  dependencies?: Record<string, NpmTree>;
}

function packageNames(tree: NpmTree, into = new Set<string>()): Set<string> {
  for (const [name, child] of Object.entries(tree.dependencies ?? {})) {
    into.add(name);
    packageNames(child, into);
  }
  return into;
}

test("the client's production dependency tree holds no server package", async () => {
  const { stdout } = await promisify(execFile)(
    "npm",
    ["ls", "--workspace", "@licensing/client", "--omit=dev", "--all", "--json"],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const names = [...packageNames(JSON.parse(stdout) as NpmTree)];
  expect(names).toContain("@licensing/model");
  expect(names.filter((name) => serverPackages.some((pattern) => pattern.test(name)))).toEqual([]);
  expect(names.filter((name) => name.startsWith("@licensing/") && !ownPackagesAllowed.has(name))).toEqual([]);
});
