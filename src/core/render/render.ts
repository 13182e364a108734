// One render path: a template and its resolved values become Kubernetes objects. The same
// objects are serialized for every platform (cluster-neutral) and every engine runs them.
import { InputError } from "../errors.js";
import { s3Components, type ComponentSpec, type Template } from "../catalog/template.js";
import { included, valueAt } from "../catalog/values.js";
import type { InstanceBucket, InstanceState, PlatformDocument } from "../model.js";
import { bucketEnv } from "./bucket-env.js";
import { toYaml } from "../yaml.js";
import { evaluate, evaluateArguments, evaluateText, type ExpressionContext } from "./expressions.js";
import { manifestFileName, type KubeObject } from "./kube.js";

export interface RenderInput {
  readonly template: Template;
  /** Values already resolved (validated, defaults applied). */
  readonly values: Readonly<Record<string, unknown>>;
  readonly project: string;
  readonly instance: string;
  readonly state: InstanceState;
  readonly platform: PlatformDocument;
  /** The instance's public URL (it depends on how the platform is reached, e.g. the local proxy's port). */
  readonly url: string;
  /** The bucket it is attached to (`spec.bucket`): its components named by the template's `s3` get its variables. */
  readonly bucket?: InstanceBucket;
}

export const MANAGED_BY = { "app.kubernetes.io/managed-by": "plateau" } as const;
const PROJECT_LABEL = "plateau.io/project";

/** The Secret (not in git) holding an instance's generated secrets. */
export const generatedSecretName = (instance: string): string => `${instance}-generated`;
/** The length of a generated secret (62 letters: 190 bits), whoever generates it first (ADR 0004). */
export const GENERATED_SECRET_LENGTH = 32;

export const instanceHost = (platform: PlatformDocument, project: string, instance: string): string => `${instance}.${project}.${platform.spec.domain}`;

/** Object name of a component: the instance's own name for `main`. */
export const componentObjectName = (instance: string, component: string): string => (component === "main" ? instance : `${instance}-${component}`);

const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti)?$/;

export function renderInstance(input: RenderInput): KubeObject[] {
  const { template, values, project, instance, platform } = input;
  const spec = template.spec;
  const size = String(valueAt(values, "/size") ?? "");
  const preset = spec.sizes[size];
  if (!preset) throw InputError.field("/values/size", "enum", `must be one of ${Object.keys(spec.sizes).join(", ")}`);

  const host = instanceHost(platform, project, instance);
  const context: ExpressionContext = {
    values,
    project,
    instance,
    host,
    url: input.url,
    hostOf: (component) => componentObjectName(instance, component),
  };
  const commonLabels: Record<string, string> = {
    ...MANAGED_BY,
    "app.kubernetes.io/name": spec.id,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/version": spec.version,
    [PROJECT_LABEL]: project,
  };
  const meta = (name: string, labels: Record<string, string> = commonLabels) => ({ name, namespace: project, labels });

  if (input.bucket && !spec.s3) {
    throw InputError.field("/bucket", "s3-capability", `template ${spec.id} cannot use a bucket: it declares no s3 capability`);
  }
  const withBucket = new Set(input.bucket ? s3Components(spec) : []);
  const objects: KubeObject[] = [];
  for (const component of spec.components) {
    if (!included(component, values)) continue;
    const name = componentObjectName(instance, component.name);
    const labels = { ...commonLabels, "app.kubernetes.io/component": component.name };
    const selector = { "app.kubernetes.io/instance": instance, "app.kubernetes.io/component": component.name };
    const resources = preset[component.name];
    if (!resources) throw new Error(`invariant violated: size ${size} has no resources for ${component.name}`);

    for (const volume of component.volumes ?? []) {
      if (!volume.persistent) continue;
      objects.push({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: meta(`${name}-${volume.name}`, labels),
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: quantity(evaluateText(volume.persistent.size, context), volume.name) } } },
      });
    }

    objects.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(name, labels),
      spec: {
        replicas: input.state === "running" ? 1 : 0,
        revisionHistoryLimit: 2,
        // Persistent volumes are ReadWriteOnce: the old pod must release them first.
        strategy: { type: "Recreate" },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: podSpec(component, name, instance, resources, context, values, withBucket.has(component.name) ? input.bucket : undefined),
        },
      },
    });

    if (component.ports && component.ports.length > 0) {
      objects.push({
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(name, labels),
        spec: {
          type: "ClusterIP",
          selector,
          ports: component.ports.map((port) => ({ name: port.name, port: port.port, targetPort: port.port, protocol: "TCP" })),
        },
      });
    }

    if (component.expose) {
      objects.push(exposure(platform, meta(instance, labels), host, name, component.expose.port, component.expose.path ?? "/"));
    }
  }
  return objects;
}

function exposure(platform: PlatformDocument, metadata: KubeObject["metadata"], host: string, service: string, port: string, path: string): KubeObject {
  if (platform.spec.flavour === "openshift") {
    return {
      apiVersion: "route.openshift.io/v1",
      kind: "Route",
      metadata,
      spec: {
        host,
        path,
        to: { kind: "Service", name: service, weight: 100 },
        port: { targetPort: port },
        tls: { termination: "edge", insecureEdgeTerminationPolicy: "Redirect" },
      },
    };
  }
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata,
    spec: {
      rules: [{ host, http: { paths: [{ path, pathType: "Prefix", backend: { service: { name: service, port: { name: port } } } }] } }],
    },
  };
}

function quantity(text: string, volume: string): string {
  const value = /^[0-9]+$/.test(text) ? `${text}Gi` : text;
  if (!QUANTITY.test(value) || /^0+(\.0+)?[KMGT]?i?$/.test(value)) {
    throw InputError.field(`/values`, "quantity", `size of volume "${volume}" must be a positive quantity such as 5 (GiB) or 512Mi, got "${text}"`);
  }
  return value;
}

function podSpec(
  component: ComponentSpec,
  name: string,
  instance: string,
  resources: { cpu: string; memory: string; gpu?: number },
  context: ExpressionContext,
  values: Readonly<Record<string, unknown>>,
  bucket: InstanceBucket | undefined,
): Record<string, unknown> {
  const security = component.security ?? {};
  const containerSecurity = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
    ...(security.runAsUser !== undefined ? { runAsUser: security.runAsUser } : {}),
    ...(security.runAsGroup !== undefined ? { runAsGroup: security.runAsGroup } : {}),
    ...(security.readOnlyRootFilesystem ? { readOnlyRootFilesystem: true } : {}),
  };
  const container = (spec: ComponentSpec | NonNullable<ComponentSpec["initContainers"]>[number], containerName: string) => {
    // Empty means "the image's own": no command, arguments or working directory is set.
    const command = spec.command ? evaluateArguments(spec.command, context) : [];
    const args = spec.args ? evaluateArguments(spec.args, context) : [];
    const workingDir = spec.workingDir === undefined ? "" : evaluateText(spec.workingDir, context);
    if (workingDir !== "" && !workingDir.startsWith("/"))
      throw InputError.field("/values", "absolute-path", `the working directory of ${containerName} must be an absolute path, got "${workingDir}"`);
    return {
      name: containerName,
      image: evaluateText(spec.image, context),
      ...(command.length > 0 ? { command } : {}),
      ...(args.length > 0 ? { args } : {}),
      ...(workingDir ? { workingDir } : {}),
      env: (spec.env ?? [])
        .filter((env) => included(env, values))
        .map((env) => {
          const value = evaluate(env.value, context);
          return value.kind === "secret"
            ? { name: env.name, valueFrom: { secretKeyRef: { name: generatedSecretName(instance), key: value.key } } }
            : { name: env.name, value: value.text };
        }),
      volumeMounts: (spec.mounts ?? [])
        .filter((mount) => included(mount, values))
        .map((mount) => ({
          name: mount.volume,
          mountPath: mount.mountPath,
          ...(mount.subPath ? { subPath: mount.subPath } : {}),
          ...(mount.readOnly ? { readOnly: true } : {}),
        })),
      securityContext: containerSecurity,
    };
  };

  const requests: Record<string, string> = { cpu: resources.cpu, memory: resources.memory };
  const limits: Record<string, string> = { memory: resources.memory };
  if (resources.gpu) {
    requests["nvidia.com/gpu"] = String(resources.gpu);
    limits["nvidia.com/gpu"] = String(resources.gpu);
  }
  const own = container(component, component.name);
  const main = {
    ...own,
    // The bucket's variables come last: `$(VAR)` expansion reads only those defined before.
    ...(bucket ? { env: [...own.env, ...bucketEnv(bucket, instance)] } : {}),
    ports: (component.ports ?? []).map((port) => ({ name: port.name, containerPort: port.port, protocol: "TCP" })),
    resources: { requests, limits },
    ...(component.readinessPath && component.expose
      ? { readinessProbe: { httpGet: { path: component.readinessPath, port: component.expose.port }, periodSeconds: 5, failureThreshold: 3 } }
      : {}),
  };
  const initContainers = (component.initContainers ?? [])
    .filter((init) => included(init, values))
    .map((init) => ({ ...container(init, init.name), resources: { requests, limits } }));

  return {
    automountServiceAccountToken: false,
    // Service links would inject every Service of the namespace as environment variables.
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
      ...(security.fsGroup !== undefined ? { fsGroup: security.fsGroup } : {}),
      ...(security.bindLowPorts ? { sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }] } : {}),
    },
    ...(initContainers.length > 0 ? { initContainers } : {}),
    containers: [main],
    volumes: (component.volumes ?? []).map((volume) =>
      volume.persistent
        ? { name: volume.name, persistentVolumeClaim: { claimName: `${name}-${volume.name}` } }
        : { name: volume.name, emptyDir: volume.scratch?.sizeLimit ? { sizeLimit: volume.scratch.sizeLimit } : {} },
    ),
  };
}

/** The project's namespace on a platform, labelled for the Pod Security `restricted` profile. */
export function renderNamespace(project: string): KubeObject[] {
  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: project,
        labels: {
          ...MANAGED_BY,
          [PROJECT_LABEL]: project,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
        },
      },
    },
  ];
}

export interface ManifestFile {
  readonly name: string;
  readonly content: string;
}

/** Serializes objects once, one file per object, in a stable order. */
export function toManifestFiles(objects: readonly KubeObject[]): ManifestFile[] {
  const files = objects.map((object) => ({ name: manifestFileName(object), content: toYaml(object) }));
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < files.length; i++) {
    if (files[i]?.name === files[i - 1]?.name) throw new Error(`invariant violated: two rendered objects named ${files[i]?.name}`);
  }
  return files;
}

/** A multi-document stream of the objects (for engines and people). */
export const toManifestStream = (objects: readonly KubeObject[]): string => objects.map((object) => toYaml(object)).join("---\n");
