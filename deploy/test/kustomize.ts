// The manifests `kubectl apply -k` would send, built by Kustomize itself (`kubectl kustomize`;
// .ci/run installs kubectl where it is missing), and the YAML files read as manifests.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

function manifestsOf(text: string, where: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${where}: ${document.errors[0]!.message}`);
      return document.toJS() as Manifest | null;
    })
    .filter((manifest): manifest is Manifest => manifest !== null);
}

/** Every document of a YAML file. */
export function readManifests(path: string): Manifest[] {
  return manifestsOf(readFileSync(path, "utf8"), path);
}

/** The manifests `kustomize build <dir>` prints. */
export function build(dir: string): Manifest[] {
  const run = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", timeout: 60_000 });
  if (run.error) throw new Error(`kubectl kustomize ${dir}: ${run.error.message} (is kubectl installed?)`);
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${run.stderr}`);
  return manifestsOf(run.stdout, `kubectl kustomize ${dir}`);
}

export function containersOf(manifest: Manifest): { image: string; name: string }[] {
  const spec = (
    manifest as { spec?: { template?: { spec?: { containers?: { image: string; name: string }[] } } } }
  ).spec;
  return spec?.template?.spec?.containers ?? [];
}
