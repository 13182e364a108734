// From cluster-neutral manifests to what `podman kube play` runs on one machine. Pure.
//
// One instance becomes one pod: its components (Deployments) share the pod's network, so
// each Service name resolves to 127.0.0.1 through hostAliases (no cluster DNS here), and
// the exposed port of the Ingress (or Route) is published on 127.0.0.1 only, behind
// Plateau's proxy. Persistent volume claims become named podman volumes, and the instance's
// generated Secret a podman secret. What must never run on a shared host is refused.
//
// Names and labels carry the installation's id: two Plateaus may share one podman store, and
// each must only ever find (and remove) its own objects (docs/adr/0015).
import type { KubeObject } from "../../core/render/kube.js";

export const LABELS = {
  managed: "plateau.io/managed",
  installation: "plateau.io/installation",
  project: "plateau.io/project",
  instance: "plateau.io/instance",
  hash: "plateau.io/hash",
  endpoint: "plateau.io/endpoint",
  readiness: "plateau.io/readiness",
} as const;

/**
 * The labels (as `--label` arguments) of an object one installation makes for a project (and an
 * instance): how the engine, the volume backups and `remove` find it again.
 */
export function ownerLabelArguments(installation: string, project: string, instance?: string): string[] {
  return [
    "--label",
    `${LABELS.managed}=true`,
    "--label",
    `${LABELS.installation}=${installation}`,
    "--label",
    `${LABELS.project}=${project}`,
    ...(instance === undefined ? [] : ["--label", `${LABELS.instance}=${instance}`]),
  ];
}

/** An installation's id: lowercase letters and digits (it is part of names, which hold no other dots). */
export const INSTALLATION_ID = /^[a-z0-9]{4,32}$/;

/** Names of one installation's objects in the podman store, where names are global. */
export interface HostNames {
  pod(project: string, instance: string): string;
  volume(project: string, claim: string): string;
  secret(project: string, secret: string): string;
  network(project: string): string;
}

const namesUnder = (prefix: string): HostNames => ({
  // Project and instance names hold no dots: the parts cannot run into each other.
  pod: (project, instance) => `${prefix}.${project}.${instance}`,
  volume: (project, claim) => `${prefix}.${project}.${claim}`,
  secret: (project, secret) => `${prefix}.${project}.${secret}`,
  network: (project) => `${prefix}.${project}`,
});

/** `plateau-<installation>.<project>.<instance>` and so on. */
export function hostNames(installation: string): HostNames {
  if (!INSTALLATION_ID.test(installation)) throw new Error(`invalid installation id "${installation}": ${INSTALLATION_ID.source}`);
  return namesUnder(`plateau-${installation}`);
}

/** The names Plateau used before installation ids (`plateau.<project>.<instance>`): only ever read, to adopt. */
export const LEGACY_NAMES: HostNames = namesUnder("plateau");

// Cluster policies with no meaning on one machine; the rest of what is unknown is refused.
const IGNORED_KINDS = new Set([
  "Namespace",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "Role",
  "RoleBinding",
  "ServiceAccount",
  "PodDisruptionBudget",
  "HorizontalPodAutoscaler",
]);
const HANDLED_KINDS = new Set(["Deployment", "Service", "Ingress", "Route", "PersistentVolumeClaim"]);

export class RefusedManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedManifestError";
  }
}

type Json = Record<string, unknown>;
const record = (value: unknown): Json => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {});
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.map(record) : []);

function podSpecs(objects: readonly KubeObject[]): { owner: KubeObject; spec: Json }[] {
  return objects
    .filter((object) => ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"].includes(object.kind))
    .map((owner) => {
      const spec = record(owner.spec);
      if (owner.kind === "Pod") return { owner, spec };
      if (owner.kind === "CronJob") return { owner, spec: record(record(record(record(spec.jobTemplate).spec).template).spec) };
      return { owner, spec: record(record(spec.template).spec) };
    });
}

/** Every feature that would give a workload power over the host, described for a person. */
export function unsafeFeatures(objects: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  for (const { owner, spec } of podSpecs(objects)) {
    const where = `${owner.kind} ${owner.metadata.name}`;
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[field] === true) problems.push(`${where}: ${field} is not allowed`);
    for (const volume of list(spec.volumes))
      if (volume.hostPath !== undefined) problems.push(`${where}: hostPath volume "${String(volume.name)}" is not allowed`);
    for (const container of [...list(spec.containers), ...list(spec.initContainers)]) {
      const name = `${where} container ${String(container.name)}`;
      const security = record(container.securityContext);
      if (security.privileged === true) problems.push(`${name}: privileged is not allowed`);
      if (security.allowPrivilegeEscalation === true) problems.push(`${name}: allowPrivilegeEscalation is not allowed`);
      const added = record(security.capabilities).add;
      if (Array.isArray(added) && added.length > 0) problems.push(`${name}: adding capabilities is not allowed`);
      if (security.runAsUser === 0) problems.push(`${name}: running as root (runAsUser 0) is not allowed`);
      for (const port of list(container.ports)) if (port.hostPort !== undefined) problems.push(`${name}: hostPort is not allowed`);
    }
  }
  return problems;
}

export interface PodmanPlan {
  readonly podName: string;
  /** The Pod given to `podman kube play`. */
  readonly pod: KubeObject;
  readonly volumes: readonly string[];
  readonly secret: { readonly name: string; readonly data: Readonly<Record<string, string>> } | undefined;
  readonly images: readonly string[];
  /** The container port served at the instance's URL, if any. */
  readonly exposedPort: number | undefined;
  readonly readinessPath: string | undefined;
  /** True when the manifests ask for no running workload (a stopped instance). */
  readonly stopped: boolean;
}

export interface AdaptInput {
  /** The installation's id: in every name and in the labels. */
  readonly installation: string;
  readonly project: string;
  readonly instance: string;
  readonly hash: string;
  readonly objects: readonly KubeObject[];
  readonly secrets: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Host port (on 127.0.0.1) for the exposed container port. */
  readonly hostPort: number;
  /** Volumes to use for some claims instead of this installation's own (adopted ones), by claim name. */
  readonly volumeNames?: Readonly<Record<string, string>>;
}

/** The persistent volume claims of an instance: those it declares and those its pods mount. */
export function claimsOf(objects: readonly KubeObject[]): string[] {
  const claims = new Set(objects.filter((object) => object.kind === "PersistentVolumeClaim").map((claim) => claim.metadata.name));
  for (const { spec } of podSpecs(objects)) {
    for (const volume of list(spec.volumes)) {
      const claim = record(volume.persistentVolumeClaim).claimName;
      if (typeof claim === "string") claims.add(claim);
    }
  }
  return [...claims].sort();
}

export function adaptForPodman(input: AdaptInput): PodmanPlan {
  const { project, instance, objects } = input;
  const names = hostNames(input.installation);
  const volumeName = (claim: string) => input.volumeNames?.[claim] ?? names.volume(project, claim);
  const problems = unsafeFeatures(objects);
  for (const object of objects) {
    if (!IGNORED_KINDS.has(object.kind) && !HANDLED_KINDS.has(object.kind))
      problems.push(`${object.kind} ${object.metadata.name}: this kind is not supported by the podman engine`);
  }
  if (problems.length > 0) throw new RefusedManifestError(`refused by the podman engine: ${problems.join("; ")}`);

  const deployments = objects.filter((object) => object.kind === "Deployment");
  const running = deployments.filter((deployment) => {
    const replicas = record(deployment.spec).replicas;
    return replicas === undefined || (typeof replicas === "number" && replicas > 0);
  });

  // Services: every name resolves to the pod itself; ports must be the containers' own.
  const containerPorts = new Map<string, number>(); // port name → number, and "n" → n
  for (const { spec } of podSpecs(running)) {
    for (const container of list(spec.containers)) {
      for (const port of list(container.ports)) {
        const number = Number(port.containerPort);
        if (typeof port.name === "string") containerPorts.set(port.name, number);
        containerPorts.set(String(number), number);
      }
    }
  }
  const services = objects.filter((object) => object.kind === "Service");
  const servicePorts = new Map<string, Map<string, number>>(); // service → (port name or number → container port)
  for (const service of services) {
    const ports = new Map<string, number>();
    for (const port of list(record(service.spec).ports)) {
      const target = port.targetPort ?? port.port;
      const containerPort = typeof target === "number" ? target : containerPorts.get(String(target));
      if (running.length > 0 && containerPort !== undefined && containerPort !== port.port) {
        throw new RefusedManifestError(
          `Service ${service.metadata.name}: port ${String(port.port)} must equal its target port ${containerPort} on the podman engine (all components share one network namespace)`,
        );
      }
      if (containerPort === undefined) continue;
      if (typeof port.name === "string") ports.set(port.name, containerPort);
      ports.set(String(port.port), containerPort);
    }
    servicePorts.set(service.metadata.name, ports);
  }

  // The exposed port: the backend of the Ingress (or the target of the Route).
  let exposedPort: number | undefined;
  for (const object of objects) {
    let service: string | undefined;
    let port: unknown;
    if (object.kind === "Ingress") {
      const firstPath = list(record(list(record(object.spec).rules)[0]?.http).paths)[0];
      const backend = record(record(firstPath?.backend).service);
      service = typeof backend.name === "string" ? backend.name : undefined;
      port = record(backend.port).name ?? record(backend.port).number;
    } else if (object.kind === "Route") {
      service = record(record(object.spec).to).name as string | undefined;
      port = record(record(object.spec).port).targetPort;
    }
    if (service === undefined) continue;
    const resolved = servicePorts.get(service)?.get(String(port));
    if (resolved === undefined)
      throw new RefusedManifestError(`${object.kind} ${object.metadata.name}: its backend ${service}:${String(port)} is not a port of a Service`);
    exposedPort = resolved;
  }

  const generatedSecret = Object.keys(input.secrets)[0];
  const secret = generatedSecret ? { name: names.secret(project, generatedSecret), data: input.secrets[generatedSecret] ?? {} } : undefined;
  const volumes = new Set<string>();
  const images = new Set<string>();
  const containers: Json[] = [];
  const initContainers: Json[] = [];
  const podVolumes: Json[] = [];
  const sysctls = new Map<string, string>();
  let readinessPath: string | undefined;
  const usedNames = new Set<string>();

  for (const { owner, spec } of podSpecs(running)) {
    const component = owner.metadata.labels?.["app.kubernetes.io/component"] ?? owner.metadata.name;
    // Volume names are per Deployment in the manifests and per pod here.
    const podVolumeNames = new Map<string, string>();
    for (const volume of list(spec.volumes)) {
      const name = `${component}-${String(volume.name)}`;
      const claim = record(volume.persistentVolumeClaim).claimName;
      if (typeof claim === "string") {
        const hostName = volumeName(claim);
        volumes.add(hostName);
        podVolumeNames.set(String(volume.name), name);
        podVolumes.push({ name, persistentVolumeClaim: { claimName: hostName } });
      } else if (volume.emptyDir !== undefined) {
        // podman 4.3 makes an emptyDir a volume named after the pod's volume name, shared by
        // every pod that uses the same name: name it after the instance so none is shared.
        const unique = `${names.pod(project, instance)}.${name}`;
        podVolumeNames.set(String(volume.name), unique);
        podVolumes.push({ name: unique, emptyDir: {} });
      } else {
        throw new RefusedManifestError(`${owner.kind} ${owner.metadata.name}: volume "${String(volume.name)}" is of a type the podman engine does not support`);
      }
    }
    const podVolumeName = (name: string) => podVolumeNames.get(name) ?? `${component}-${name}`;
    for (const sysctl of list(record(spec.securityContext).sysctls)) sysctls.set(String(sysctl.name), String(sysctl.value));

    const adaptContainer = (container: Json): Json => {
      let name = String(container.name);
      if (usedNames.has(name)) name = `${component}-${name}`;
      usedNames.add(name);
      images.add(String(container.image));
      const env = list(container.env).map((variable) => {
        const ref = record(record(variable.valueFrom).secretKeyRef);
        if (variable.valueFrom === undefined) return { name: variable.name, value: variable.value ?? "" };
        if (typeof ref.name !== "string" || !(ref.name in input.secrets)) {
          throw new RefusedManifestError(
            `${owner.kind} ${owner.metadata.name}: environment variable ${String(variable.name)} refers to a secret that Plateau does not manage`,
          );
        }
        return { name: variable.name, valueFrom: { secretKeyRef: { name: names.secret(project, ref.name), key: ref.key } } };
      });
      const probe = record(record(container.readinessProbe).httpGet);
      if (typeof probe.path === "string") readinessPath = probe.path;
      const pick = (field: string) => (container[field] !== undefined ? { [field]: container[field] } : {});
      return {
        name,
        image: container.image,
        // The engine pulls (and refuses registries it must never ask) before kube play; kube
        // play itself pulls an image missing by then (removed meanwhile) from wherever it names.
        imagePullPolicy: "Never",
        ...pick("command"),
        ...pick("args"),
        ...pick("workingDir"),
        env,
        ...pick("resources"),
        ...pick("securityContext"),
        volumeMounts: list(container.volumeMounts).map((mount) => ({ ...mount, name: podVolumeName(String(mount.name)) })),
        ports: list(container.ports).map((port) => {
          const containerPort = Number(port.containerPort);
          return containerPort === exposedPort
            ? { containerPort, hostPort: input.hostPort, hostIP: "127.0.0.1", protocol: "TCP" }
            : { containerPort, protocol: "TCP" };
        }),
      };
    };
    for (const container of list(spec.initContainers)) initContainers.push(adaptContainer(container));
    for (const container of list(spec.containers)) containers.push(adaptContainer(container));
  }

  const name = names.pod(project, instance);
  const labels: Record<string, string> = {
    [LABELS.managed]: "true",
    [LABELS.installation]: input.installation,
    [LABELS.project]: project,
    [LABELS.instance]: instance,
    [LABELS.hash]: input.hash,
  };
  if (exposedPort !== undefined) labels[LABELS.endpoint] = `127.0.0.1:${input.hostPort}`;
  if (exposedPort !== undefined && readinessPath !== undefined) labels[LABELS.readiness] = readinessPath;
  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels },
    spec: {
      // The pod's name with the installation and project is too long for a host name (64 at most).
      hostname: instance,
      restartPolicy: "Always",
      hostAliases: [{ ip: "127.0.0.1", hostnames: services.map((service) => service.metadata.name).sort() }].filter((alias) => alias.hostnames.length > 0),
      ...(sysctls.size > 0 ? { securityContext: { sysctls: [...sysctls].map(([key, value]) => ({ name: key, value })) } } : {}),
      ...(initContainers.length > 0 ? { initContainers } : {}),
      containers,
      volumes: podVolumes,
    },
  };
  // A stopped instance still has its claims: they name the volumes that keep its data.
  for (const claim of objects.filter((object) => object.kind === "PersistentVolumeClaim")) volumes.add(volumeName(claim.metadata.name));
  return { podName: name, pod, volumes: [...volumes].sort(), secret, images: [...images].sort(), exposedPort, readinessPath, stopped: running.length === 0 };
}
