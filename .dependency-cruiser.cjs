// The import rules `npm run check` enforces (docs/development.md, "Layering"). Paths are the files'
// real paths: an import by package name resolves through the workspace's `exports` to the file it
// names, so a rule sees where every import really lands.
const workspace =
  "^(packages/[^/]+|services/[^/]+|tools/[^/]+|modules/[^/]+/[^/]+|examples/[^/]+|deploy|ui)/";

/** How an import by package name shows (it resolves to a local file through the workspace's link). */
const packageImport = ["aliased", "aliased-workspace", "undetermined"];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "service-imports-service",
      comment:
        "A service never imports another service: they talk over the bus. (Tests use the harness a service exports.)",
      severity: "error",
      from: { path: "^services/([^/]+)/src/" },
      to: { path: "^services/", pathNot: "^services/$1/" },
    },
    {
      name: "package-imports-service",
      comment:
        "Packages are what services and products build on: their code never imports a service, a module, the app or the tools.",
      severity: "error",
      from: { path: "^packages/[^/]+/src/" },
      to: { path: "^(services|modules|tools|ui|examples)/" },
    },
    {
      name: "package-imports-launcher",
      comment:
        "Only the test harness shares npm start's resolution of PostgreSQL and NATS (deploy/local-infra.ts).",
      severity: "error",
      from: { path: "^packages/", pathNot: "^packages/testing/" },
      to: { path: "^deploy/" },
    },
    {
      name: "module-reaches-into-host",
      comment:
        "A module (modules/<name>/) is a plug-in: its code reaches the host only through the API the host publishes for modules (@licensing/gateway/module, @licensing/ui/kit).",
      severity: "error",
      from: { path: "^modules/[^/]+/[^/]+/src/" },
      to: {
        path: "^(services|ui|tools|examples|deploy)/",
        pathNot: "^(services/gateway/src/module-api\\.ts|ui/src/kit/)",
      },
    },
    {
      name: "product-side-imports-server",
      comment:
        "What products install (@licensing/model, @licensing/contracts, @licensing/client) never imports server code.",
      severity: "error",
      from: { path: "^packages/(model|contracts|client)/src/" },
      to: { path: "^packages/(bus|platform|testing)/" },
    },
    {
      name: "relative-import-crosses-workspace",
      comment:
        "Another workspace is reached by its package name and the `exports` it chose, never by a relative path into its files.",
      severity: "error",
      from: { path: workspace },
      to: { dependencyTypes: ["local"], dependencyTypesNot: packageImport, pathNot: "^$1/" },
    },
    {
      name: "root-reaches-into-workspace",
      comment: "Benchmarks and root files reach workspaces by package name, never by a relative path.",
      severity: "error",
      from: { path: "^(bench/|[^/]+\\.ts$)" },
      to: {
        dependencyTypes: ["local"],
        dependencyTypesNot: packageImport,
        path: "^(packages|services|tools|modules|examples|deploy|ui)/",
      },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist)/" },
    parser: "swc",
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
      mainFields: ["module", "main", "types"],
    },
  },
};
