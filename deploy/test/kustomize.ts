// Just enough of Kustomize to check what `kubectl apply -k` would send, without a kustomize binary:
// resources (files and directories), namespace, images, and patches applied as JSON merge patches
// (the only kind our overlays use: no list they patch is merged by key).
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { parseAllDocuments } from "yaml";

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

interface Kustomization {
  namespace?: string;
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { path: string }[];
  labels?: { pairs: Record<string, string> }[];
}

/** Every document of a YAML file. */
export function readManifests(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, "utf8"))
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]!.message}`);
      return document.toJS() as Manifest | null;
    })
    .filter((manifest): manifest is Manifest => manifest !== null);
}

export function readKustomization(dir: string): Kustomization {
  return readManifests(resolve(dir, "kustomization.yaml"))[0] as unknown as Kustomization;
}

/** The manifests `kustomize build <dir>` would print. */
export function build(dir: string): Manifest[] {
  const kustomization = readKustomization(dir);
  let manifests = (kustomization.resources ?? []).flatMap((resource) => {
    const path = resolve(dir, resource);
    return statSync(path).isDirectory() ? build(path) : readManifests(path);
  });
  for (const { path } of kustomization.patches ?? []) {
    for (const patch of readManifests(resolve(dir, path))) {
      const target = manifests.find((m) => m.kind === patch.kind && m.metadata.name === patch.metadata.name);
      if (!target) throw new Error(`${path}: no ${patch.kind} ${patch.metadata.name} to patch`);
      manifests = manifests.map((m) => (m === target ? (mergePatch(m, patch) as Manifest) : m));
    }
  }
  for (const manifest of manifests) {
    if (kustomization.namespace && manifest.kind !== "Namespace")
      manifest.metadata.namespace = kustomization.namespace;
    for (const { pairs } of kustomization.labels ?? [])
      manifest.metadata.labels = { ...manifest.metadata.labels, ...pairs };
    for (const container of containersOf(manifest)) {
      const [name, tag] = container.image.split(":");
      const image = kustomization.images?.find((i) => i.name === name);
      if (image) container.image = `${image.newName ?? name}:${image.newTag ?? tag ?? "latest"}`;
    }
  }
  return manifests;
}

export function containersOf(manifest: Manifest): { image: string; name: string }[] {
  const spec = (
    manifest as { spec?: { template?: { spec?: { containers?: { image: string; name: string }[] } } } }
  ).spec;
  return spec?.template?.spec?.containers ?? [];
}

/** RFC 7386: objects merge, anything else replaces, null removes. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}
