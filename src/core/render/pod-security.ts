// The Pod Security Standards `restricted` profile (policy version latest), checked on rendered
// objects before they are written. Project namespaces enforce it, so a pod that breaks it would
// be refused by the cluster after the commit; checking here turns that into a test failure.
// Where the profile changed across Kubernetes versions, the stricter reading is kept, so that
// what passes here passes on every cluster Plateau supports.
import type { KubeObject } from "./kube.js";

type Json = Record<string, unknown>;

const asObject = (value: unknown): Json | undefined => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** `spec.template` of the workload kinds; a CronJob's is one level deeper. */
const TEMPLATE_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"]);

/**
 * Volume types of the profile. `image` volumes are allowed by the admission controller of
 * Kubernetes 1.33 and later only; Plateau renders none, so refusing them costs nothing.
 */
const ALLOWED_VOLUME_TYPES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);

/** Namespaced sysctls the profile calls safe (as of policy version 1.32). */
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.ping_group_range",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.tcp_wmem",
]);

const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const SECCOMP_TYPES = new Set(["RuntimeDefault", "Localhost"]);
const APPARMOR_TYPES = new Set(["RuntimeDefault", "Localhost"]);
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

const CONTAINER_LISTS = [
  ["containers", "container"],
  ["initContainers", "init container"],
  ["ephemeralContainers", "ephemeral container"],
] as const;

const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"] as const;
const LIFECYCLE_HANDLERS = ["postStart", "preStop"] as const;

interface PodTemplate {
  metadata: Json | undefined;
  spec: Json | undefined;
}

/** The pod template of a workload, undefined for kinds that run no pods. */
function podTemplateOf(object: KubeObject): PodTemplate | undefined {
  const spec = asObject(object.spec);
  if (object.kind === "Pod") return { metadata: asObject(object.metadata), spec };
  if (object.kind === "PodTemplate") return fromTemplate(object.template);
  if (object.kind === "CronJob") return fromTemplate(asObject(asObject(spec?.jobTemplate)?.spec)?.template);
  if (TEMPLATE_KINDS.has(object.kind)) return fromTemplate(spec?.template);
  return undefined;
}

const fromTemplate = (template: unknown): PodTemplate => ({ metadata: asObject(asObject(template)?.metadata), spec: asObject(asObject(template)?.spec) });

/** One way a pod breaks the profile: the object (`Kind/name`), the container when the rule is a container's (`container main`), the rule. */
export interface PodSecurityViolation {
  readonly object: string;
  readonly container?: string;
  readonly rule: string;
}

/**
 * Every way the objects' pods break the `restricted` profile, one line each, naming the
 * object, the container when there is one, and the rule: `Deployment/x container main:
 * allowPrivilegeEscalation must be false`. Empty when every pod meets the profile.
 */
export function restrictedViolations(objects: readonly KubeObject[]): string[] {
  return podSecurityViolations(objects).map(({ object, container, rule }) => `${object}${container ? ` ${container}` : ""}: ${rule}`);
}

/** The same as `restrictedViolations`, as data (the chart preflight names the object and the container apart). */
export function podSecurityViolations(objects: readonly KubeObject[]): PodSecurityViolation[] {
  const violations: PodSecurityViolation[] = [];
  for (const object of objects) {
    const template = podTemplateOf(object);
    if (!template) continue;
    const where = `${object.kind}/${object.metadata.name}`;
    if (!template.spec) {
      violations.push({ object: where, rule: "has no pod spec to check" });
      continue;
    }
    for (const rule of podViolations(template.spec, template.metadata)) violations.push({ object: where, rule });
    for (const [field, label] of CONTAINER_LISTS) {
      for (const [index, item] of asArray(template.spec[field]).entries()) {
        const container = asObject(item) ?? {};
        const name = typeof container.name === "string" ? container.name : `#${index}`;
        for (const rule of containerViolations(container, template.spec)) violations.push({ object: where, container: `${label} ${name}`, rule });
      }
    }
  }
  return violations;
}

function podViolations(spec: Json, metadata: Json | undefined): string[] {
  const rules: string[] = [];
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[field] === true) rules.push(`${field} must not be true`);

  const security = asObject(spec.securityContext) ?? {};
  if (security.runAsNonRoot === false) rules.push("runAsNonRoot must not be false");
  if (security.runAsUser === 0) rules.push("runAsUser must not be 0");
  const seccomp = asObject(security.seccompProfile);
  if (seccomp && !SECCOMP_TYPES.has(String(seccomp.type))) rules.push(`seccompProfile.type must be RuntimeDefault or Localhost, not ${String(seccomp.type)}`);
  rules.push(...commonSecurityViolations(security));
  for (const sysctl of asArray(security.sysctls)) {
    const name = String(asObject(sysctl)?.name);
    if (!SAFE_SYSCTLS.has(name)) rules.push(`sysctl ${name} is not allowed`);
  }

  for (const [index, item] of asArray(spec.volumes).entries()) {
    const volume = asObject(item) ?? {};
    const name = typeof volume.name === "string" ? volume.name : `#${index}`;
    for (const type of Object.keys(volume)) {
      if (type !== "name" && !ALLOWED_VOLUME_TYPES.has(type)) rules.push(`volume ${name}: ${type} volumes are not allowed`);
    }
  }

  // The annotation is how AppArmor was set before the field, and still honoured.
  for (const [key, value] of Object.entries(asObject(metadata?.annotations) ?? {})) {
    if (!key.startsWith(APPARMOR_ANNOTATION)) continue;
    const profile = String(value);
    if (profile !== "" && profile !== "runtime/default" && !profile.startsWith("localhost/"))
      rules.push(`annotation ${key} must be runtime/default or localhost/*, not ${profile}`);
  }
  return rules;
}

function containerViolations(container: Json, podSpec: Json): string[] {
  const rules: string[] = [];
  const pod = asObject(podSpec.securityContext) ?? {};
  const security = asObject(container.securityContext) ?? {};

  if (security.privileged === true) rules.push("privileged must not be true");
  if (security.allowPrivilegeEscalation !== false) rules.push("allowPrivilegeEscalation must be false");

  const capabilities = asObject(security.capabilities) ?? {};
  if (!asArray(capabilities.drop).includes("ALL")) rules.push("capabilities.drop must include ALL");
  for (const capability of asArray(capabilities.add)) {
    if (capability !== "NET_BIND_SERVICE") rules.push(`capabilities.add may only hold NET_BIND_SERVICE, not ${String(capability)}`);
  }

  // Either level may say it; the container's own setting wins, so an explicit false is refused.
  if (security.runAsNonRoot === false) rules.push("runAsNonRoot must not be false");
  else if (security.runAsNonRoot !== true && pod.runAsNonRoot !== true)
    rules.push("runAsNonRoot must be true (in the container's or the pod's securityContext)");
  if (security.runAsUser === 0) rules.push("runAsUser must not be 0");

  const seccomp = asObject(security.seccompProfile);
  if (seccomp) {
    if (!SECCOMP_TYPES.has(String(seccomp.type))) rules.push(`seccompProfile.type must be RuntimeDefault or Localhost, not ${String(seccomp.type)}`);
  } else if (!SECCOMP_TYPES.has(String(asObject(pod.seccompProfile)?.type))) {
    rules.push("seccompProfile.type must be RuntimeDefault or Localhost (in the container's or the pod's securityContext)");
  }

  if (security.procMount !== undefined && security.procMount !== "Default") rules.push(`procMount must be Default, not ${String(security.procMount)}`);
  rules.push(...commonSecurityViolations(security));

  for (const port of asArray(container.ports)) {
    const hostPort = asObject(port)?.hostPort;
    if (hostPort !== undefined && hostPort !== 0) rules.push(`hostPort must not be set (${String(hostPort)})`);
  }

  // A probe or hook with a host reaches whatever the kubelet can reach (policy version 1.34).
  const handlers: [string, unknown][] = [
    ...PROBES.map((probe): [string, unknown] => [probe, container[probe]]),
    ...LIFECYCLE_HANDLERS.map((hook): [string, unknown] => [`lifecycle.${hook}`, asObject(container.lifecycle)?.[hook]]),
  ];
  for (const [path, handler] of handlers) {
    for (const action of ["httpGet", "tcpSocket"]) {
      const host = asObject(asObject(handler)?.[action])?.host;
      if (host !== undefined && host !== "") rules.push(`${path}.${action}.host must not be set`);
    }
  }
  return rules;
}

/** Rules of the fields that the pod's and the containers' security contexts share. */
function commonSecurityViolations(security: Json): string[] {
  const rules: string[] = [];
  const selinux = asObject(security.seLinuxOptions);
  if (selinux) {
    if (selinux.type !== undefined && !SELINUX_TYPES.has(String(selinux.type))) rules.push(`seLinuxOptions.type ${String(selinux.type)} is not allowed`);
    if (selinux.user !== undefined && selinux.user !== "") rules.push("seLinuxOptions.user must not be set");
    if (selinux.role !== undefined && selinux.role !== "") rules.push("seLinuxOptions.role must not be set");
  }
  const apparmor = asObject(security.appArmorProfile);
  if (apparmor && !APPARMOR_TYPES.has(String(apparmor.type)))
    rules.push(`appArmorProfile.type must be RuntimeDefault or Localhost, not ${String(apparmor.type)}`);
  if (asObject(security.windowsOptions)?.hostProcess === true) rules.push("windowsOptions.hostProcess must not be true");
  return rules;
}
