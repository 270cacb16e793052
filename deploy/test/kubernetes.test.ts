import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { containerServices } from "../container-services.ts";
import { gatewayRequiredServices } from "../services.ts";
import { build, type Manifest, readManifests } from "./kustomize.ts";
import { isSet, serviceVariables, unknownVariables } from "./service-configs.ts";

const kubernetesDir = resolve(import.meta.dirname, "../kubernetes");
const base = build(resolve(kubernetesDir, "base"));
const production = build(resolve(kubernetesDir, "overlays/production"));
const secrets = readManifests(resolve(kubernetesDir, "secrets.example.yaml"));

/** The built-in kinds we use, by `apiVersion/kind`: each class validates against its JSON schema. */
const models: Record<string, new (data: never) => { validate(): void }> = {
  "v1/ConfigMap": ConfigMap,
  "v1/Namespace": Namespace,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "networking.k8s.io/v1/Ingress": Ingress,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

/**
 * CloudNativePG's `Cluster` is a custom resource, outside kubernetes-models' schemas: the fields we
 * set are checked here, as the operator's CRD defines them (strict: a misspelt field fails).
 */
const cnpgCluster = z.strictObject({
  apiVersion: z.literal("postgresql.cnpg.io/v1"),
  kind: z.literal("Cluster"),
  metadata: z.object({
    name: z.string(),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()),
  }),
  spec: z.strictObject({
    instances: z.number().int().min(1),
    imageName: z.string().regex(/^ghcr\.io\/cloudnative-pg\/postgresql:1[5-7]/),
    primaryUpdateStrategy: z.enum(["unsupervised", "supervised"]),
    bootstrap: z.strictObject({ initdb: z.strictObject({ database: z.string(), owner: z.string() }) }),
    storage: z.strictObject({ size: z.string().regex(/^\d+[GMT]i$/) }),
    resources: z.object({
      requests: z.record(z.string(), z.string()),
      limits: z.record(z.string(), z.string()),
    }),
  }),
});

/** The Prometheus Operator's kinds, also custom resources: the fields we set, as its CRDs define them. */
const metadata = z.object({ name: z.string(), labels: z.record(z.string(), z.string()).optional() });
const podMonitor = z.strictObject({
  apiVersion: z.literal("monitoring.coreos.com/v1"),
  kind: z.literal("PodMonitor"),
  metadata,
  spec: z.strictObject({
    selector: z.strictObject({ matchLabels: z.record(z.string(), z.string()) }),
    podMetricsEndpoints: z.array(
      z.strictObject({
        port: z.string(),
        path: z.string(),
        interval: z.string().regex(/^\d+[smh]$/),
        honorLabels: z.boolean(),
        relabelings: z.array(z.strictObject({ sourceLabels: z.array(z.string()), targetLabel: z.string() })),
      }),
    ),
  }),
});
const prometheusRule = z.strictObject({
  apiVersion: z.literal("monitoring.coreos.com/v1"),
  kind: z.literal("PrometheusRule"),
  metadata,
  spec: z.strictObject({
    groups: z.array(
      z.strictObject({
        name: z.string(),
        rules: z.array(
          z.strictObject({
            alert: z.string(),
            expr: z.string(),
            for: z.string(),
            labels: z.record(z.string(), z.string()),
            annotations: z.record(z.string(), z.string()),
          }),
        ),
      }),
    ),
  }),
});
const customResources: Record<string, z.ZodType> = {
  "postgresql.cnpg.io/v1/Cluster": cnpgCluster,
  "monitoring.coreos.com/v1/PodMonitor": podMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": prometheusRule,
};

function validate(manifest: Manifest): void {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  const custom = customResources[key];
  if (custom) {
    custom.parse(manifest);
    return;
  }
  const Model = models[key];
  if (!Model) throw new Error(`${key} ${manifest.metadata.name}: no schema to validate it against`);
  new Model(manifest as never).validate();
}

const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const named = (manifests: Manifest[], kind: string, name: string) =>
  manifests.find((m) => m.kind === kind && m.metadata.name === name);

interface Container {
  args?: string[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  resources?: { requests?: { cpu?: string; memory?: string }; limits?: { memory?: string } };
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  startupProbe?: unknown;
}
const containerOf = (deployment: Manifest) =>
  (deployment as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec
    .containers[0]!;

describe.each([
  ["base", base],
  ["overlays/production", production],
])("deploy/kubernetes/%s", (_, manifests) => {
  it("is valid against the Kubernetes JSON schemas (the CloudNativePG Cluster against our own)", () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const manifest of manifests) validate(manifest);
  });

  it("would fail that validation with a wrong type (the schemas do reject)", () => {
    const deployment = structuredClone(named(manifests, "Deployment", "gateway")!);
    containerOf(deployment).resources = { requests: { cpu: 1 as never } };
    (deployment as unknown as { spec: { replicas: unknown } }).spec.replicas = "two";
    expect(() => validate(deployment)).toThrow(/replicas/);
    const cluster = structuredClone(named(manifests, "Cluster", "licensing-db")!);
    (cluster as unknown as { spec: Record<string, unknown> }).spec.instance = 3;
    expect(() => validate(cluster)).toThrow();
  });

  it("has a Deployment per service with probes, resource requests and a PodDisruptionBudget", () => {
    for (const { name } of containerServices) {
      const deployment = named(manifests, "Deployment", name);
      expect(deployment, name).toBeDefined();
      const container = containerOf(deployment!);
      expect(container.args, name).toEqual([name]);
      expect(container.readinessProbe, name).toBeDefined();
      expect(container.livenessProbe, name).toBeDefined();
      expect(container.resources?.requests?.cpu, name).toBeDefined();
      expect(container.resources?.requests?.memory, name).toBeDefined();
      expect(container.resources?.limits?.memory, name).toBeDefined();
      const pdb = ofKind(manifests, "PodDisruptionBudget").find(
        (p) =>
          (p as { spec?: { selector?: { matchLabels?: Record<string, string> } } }).spec?.selector
            ?.matchLabels?.["app.kubernetes.io/name"] === name,
      );
      expect(pdb, `PodDisruptionBudget of ${name}`).toBeDefined();
    }
    expect(ofKind(manifests, "Deployment")).toHaveLength(containerServices.length);
  });

  it("probes the HTTP services' /healthz and /readyz", () => {
    for (const name of ["gateway", "distribution"]) {
      const container = containerOf(named(manifests, "Deployment", name)!);
      expect(container.readinessProbe).toMatchObject({ httpGet: { path: "/readyz" } });
      expect(container.livenessProbe).toMatchObject({ httpGet: { path: "/healthz" } });
    }
  });

  it("sets every variable a service requires, and none it does not read", () => {
    const configMaps = new Map(
      ofKind(manifests, "ConfigMap").map((c) => [
        c.metadata.name,
        Object.keys((c as { data?: object }).data ?? {}),
      ]),
    );
    const secretKeys = new Map(
      [...secrets, ...manifests.filter((m) => m.kind === "Secret")].map((s) => [
        s.metadata.name,
        Object.keys((s as { stringData?: object }).stringData ?? {}),
      ]),
    );
    for (const { name } of containerServices) {
      const container = containerOf(named(manifests, "Deployment", name)!);
      const fromConfigMaps = (container.envFrom ?? []).flatMap((from) => {
        const keys = configMaps.get(from.configMapRef!.name);
        expect(keys, `${name}: ConfigMap ${from.configMapRef!.name}`).toBeDefined();
        return keys!;
      });
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        // An optional key (a previous KEK during a rotation) may be absent from the example Secret.
        if (ref && !ref.optional)
          expect(secretKeys.get(ref.name), `${name}: ${variable.name}`).toContain(ref.key);
      }
      const environment = [...fromConfigMaps, ...(container.env ?? []).map((v) => v.name)];
      const missing = serviceVariables(name).required.filter((variable) => !isSet(variable, environment));
      expect(missing, name).toEqual([]);
      expect(unknownVariables(name, environment), name).toEqual([]);
    }
  });

  it("points every service at the three NATS servers, streams at R3", () => {
    const data = (
      named(manifests, "ConfigMap", "platform-config") as unknown as { data: Record<string, string> }
    ).data;
    expect(data.NATS_URL!.split(",")).toHaveLength(3);
    expect(data.NATS_STREAM_REPLICAS).toBe("3");
  });

  it("makes the gateway ready with every service it requires, which migration is not", () => {
    const data = (
      named(manifests, "ConfigMap", "gateway-config") as unknown as { data: Record<string, string> }
    ).data;
    const required = data.GATEWAY_REQUIRED_SERVICES!.split(",");
    expect(required).toEqual(gatewayRequiredServices(containerServices));
    expect(required).not.toContain("migration");
  });

  it("mounts one claim of exports, shared by the migration replicas, at MIGRATION_ROOT", () => {
    const root = (
      named(manifests, "ConfigMap", "migration-config") as unknown as { data: Record<string, string> }
    ).data.MIGRATION_ROOT;
    const pod = (
      named(manifests, "Deployment", "migration") as unknown as {
        spec: {
          template: {
            spec: {
              containers: { volumeMounts: { name: string; mountPath: string }[] }[];
              volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
            };
          };
        };
      }
    ).spec.template.spec;
    const mount = pod.containers[0]!.volumeMounts.find((m) => m.mountPath === root);
    const volume = pod.volumes.find((v) => v.name === mount?.name);
    const claim = named(manifests, "PersistentVolumeClaim", volume?.persistentVolumeClaim?.claimName ?? "");
    expect(claim, "the exports' claim").toBeDefined();
    expect((claim as unknown as { spec: { accessModes: string[] } }).spec.accessModes).toEqual([
      "ReadWriteMany",
    ]);
  });

  it("lets the migration service reach only DNS, NATS, PostgreSQL and the legacy databases' ports", () => {
    const policy = named(manifests, "NetworkPolicy", "migration-egress") as unknown as {
      spec: {
        podSelector: { matchLabels: Record<string, string> };
        policyTypes: string[];
        egress: { ports: { port: number }[] }[];
      };
    };
    expect(policy.spec.podSelector.matchLabels).toEqual({ "app.kubernetes.io/name": "migration" });
    expect(policy.spec.policyTypes).toEqual(["Egress"]);
    const ports = [...new Set(policy.spec.egress.flatMap((rule) => rule.ports.map((p) => p.port)))].sort();
    expect(ports).toEqual([1433, 3306, 4222, 53, 5432]);
  });

  it("scales distribution with a HorizontalPodAutoscaler", () => {
    const hpas = ofKind(manifests, "HorizontalPodAutoscaler") as unknown as {
      spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number };
    }[];
    expect(hpas.map((h) => h.spec.scaleTargetRef)).toEqual([
      { apiVersion: "apps/v1", kind: "Deployment", name: "distribution" },
    ]);
    expect(hpas[0]!.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it("has Prometheus scrape every service's METRICS_PORT, with the rules of deploy/prometheus/alerts.yaml", () => {
    const { data } = named(manifests, "ConfigMap", "platform-config") as unknown as {
      data: Record<string, string>;
    };
    for (const { name } of containerServices) {
      const ports = (containerOf(named(manifests, "Deployment", name)!) as { ports?: object[] }).ports;
      expect(ports, name).toContainEqual({
        name: "metrics",
        containerPort: Number(data.METRICS_PORT),
        protocol: "TCP",
      });
    }
    const monitor = named(manifests, "PodMonitor", "licensing-platform") as unknown as z.infer<
      typeof podMonitor
    >;
    expect(monitor.spec.podMetricsEndpoints[0]).toMatchObject({ port: "metrics" });
    expect(monitor.spec.podMetricsEndpoints[0]!.relabelings).toContainEqual(
      expect.objectContaining({ targetLabel: "service" }),
    );
    const rule = named(manifests, "PrometheusRule", "licensing-platform") as { spec?: unknown };
    const alerts = parse(readFileSync(resolve(kubernetesDir, "../prometheus/alerts.yaml"), "utf8"));
    expect(rule.spec).toEqual(alerts);
    const policy = named(manifests, "NetworkPolicy", "prometheus-to-metrics") as unknown as {
      spec: { ingress: { ports: { port: string }[] }[] };
    };
    expect(policy.spec.ingress.flatMap((i) => i.ports)).toEqual([{ port: "metrics" }]);
  });

  it("denies ingress by default; only the gateway and distribution are reachable from outside", () => {
    const policies = ofKind(manifests, "NetworkPolicy") as unknown as {
      spec: { podSelector: object; policyTypes: string[]; ingress?: unknown[] };
    }[];
    expect(
      policies.some(
        (p) =>
          Object.keys(p.spec.podSelector).length === 0 &&
          p.spec.policyTypes.includes("Ingress") &&
          !p.spec.ingress,
      ),
    ).toBe(true);
    const backends = ofKind(manifests, "Ingress").flatMap((ingress) =>
      (
        ingress as unknown as {
          spec: { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] };
        }
      ).spec.rules.flatMap((rule) => rule.http.paths.map((path) => path.backend.service.name)),
    );
    expect([...new Set(backends)].sort()).toEqual(["distribution", "gateway"]);
    expect(
      ofKind(manifests, "Service")
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(["distribution", "gateway"]);
  });
});

describe("deploy/kubernetes/overlays/production", () => {
  it("runs in its own namespace, from a released image, with a third PostgreSQL instance", () => {
    for (const manifest of production.filter((m) => m.kind !== "Namespace"))
      expect(manifest.metadata.namespace, `${manifest.kind} ${manifest.metadata.name}`).toBe("licensing");
    for (const deployment of ofKind(production, "Deployment"))
      expect(
        (deployment as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec
          .template.spec.containers[0]!.image,
      ).toMatch(/^registry\.example\.com\/licensing-platform:\d/);
    expect(
      (named(production, "Cluster", "licensing-db") as unknown as { spec: { instances: number } }).spec
        .instances,
    ).toBe(3);
  });
});

describe("deploy/kubernetes/secrets.example.yaml", () => {
  it("holds valid Secrets for the KEKs and the bus identities, with placeholders", () => {
    for (const secret of secrets) validate(secret);
    expect(secrets.map((s) => s.metadata.name)).toEqual(
      expect.arrayContaining(["issuer-kek", "notifier-kek", "bus-gateway", "bus-trusted-keys", "nats-auth"]),
    );
    for (const secret of secrets)
      for (const [key, value] of Object.entries(
        (secret as unknown as { stringData: Record<string, string> }).stringData,
      ))
        expect(value, `${secret.metadata.name}.${key}`).toMatch(/REPLACE/);
  });
});

describe("deploy/kubernetes/nats-values.yaml", () => {
  it("clusters three NATS servers with JetStream on file storage", () => {
    const values = parse(readFileSync(resolve(kubernetesDir, "nats-values.yaml"), "utf8"));
    expect(values.config.cluster).toEqual({ enabled: true, replicas: 3 });
    expect(values.config.jetstream.enabled).toBe(true);
    expect(values.config.jetstream.fileStore).toMatchObject({ enabled: true, pvc: { enabled: true } });
  });

  it("includes the servers' authorization from the nats-auth Secret, mounted where the reloader sees it", () => {
    const values = parse(readFileSync(resolve(kubernetesDir, "nats-values.yaml"), "utf8"));
    // The chart resolves an include against its configuration folder, /etc/nats-config.
    expect(values.config.merge.$include).toBe("../nats-auth/nats-auth.conf");
    expect(values.container.patch).toContainEqual({
      op: "add",
      path: "/volumeMounts/-",
      value: { name: "nats-auth", mountPath: "/etc/nats-auth", readOnly: true },
    });
    expect(values.podTemplate.patch).toContainEqual({
      op: "add",
      path: "/spec/volumes/-",
      value: { name: "nats-auth", secret: { secretName: "nats-auth" } },
    });
    const secrets = readFileSync(resolve(kubernetesDir, "secrets.example.yaml"), "utf8");
    expect(secrets).toMatch(/name: nats-auth\n(?:.*\n)*?\s+nats-auth\.conf: /);
  });
});
