// Secrets of Helm charts through argocd-vault-plugin (ADR 0022): the committed values of a
// chart hold placeholders `<path:<project>:<instance>-generated#<key>>`, and Argo CD resolves
// them at sync from the Secret Plateau handed over, with the plugin's Kubernetes-secret
// backend. This module is what Plateau renders for it: the config management plugin (a
// constant command; every value travels in the environment, never in the command's text),
// the plugin's configuration for the platform's Argo CD bootstrap, and the Role that lets
// Argo CD's repo-server read the Secrets of one project's namespace.
import { holdsPlaceholder } from "../helm/secret-placeholders.js";
import type { KubeObject } from "./kube.js";
import { toYaml } from "../yaml.js";

/** True when a string anywhere in the values (not a key) holds a placeholder the plugin resolves. */
export function hasSecretPlaceholders(values: unknown): boolean {
  // The grammar of placeholders, and the refusal of those in people's values, are helm/secret-placeholders.ts's.
  if (typeof values === "string") return holdsPlaceholder(values);
  if (Array.isArray(values)) return values.some(hasSecretPlaceholders);
  if (values !== null && typeof values === "object") return Object.values(values).some(hasSecretPlaceholders);
  return false;
}

/** The name Applications give in `source.plugin.name` (no `spec.version`, which would append `-<version>`). */
export const AVP_PLUGIN_NAME = "plateau-helm-avp";
/** The ConfigMap of the bootstrap holding the plugin's definition, mounted by the sidecar as its `plugin.yaml`. */
export const AVP_PLUGIN_CONFIGMAP = "plateau-helm-avp";
/** The key of that ConfigMap the sidecar mounts (subPath) at `/home/argocd/cmp-server/config/plugin.yaml`. */
export const AVP_PLUGIN_KEY = "plugin.yaml";
/** The ConfigMap of the bootstrap holding argocd-vault-plugin's configuration, read by the sidecar through `envFrom`. */
export const AVP_CONFIG_CONFIGMAP = "plateau-argocd-vault-plugin";
/** What Argo CD's own manifests name the repo-server's service account (OpenShift GitOps names it after its ArgoCD instance). */
export const DEFAULT_REPO_SERVER_SERVICE_ACCOUNT = "argocd-repo-server";
/** The Role and RoleBinding of a project's bundle that let the plugin read the project's Secrets. */
export const AVP_SECRET_READER = "plateau-argocd-secret-reader";

/**
 * The variables an Application passes to the plugin (Argo CD prefixes them with `ARGOCD_ENV_`).
 * None starts with a prefix argocd-vault-plugin reads as its own configuration (`AVP_`, `VAULT`,
 * `AWS`, `K8S_SECRET`…): the plugin copies every `ARGOCD_ENV_*` variable into its settings.
 */
export const AVP_ENV = {
  chartRepository: "CHART_REPOSITORY",
  chart: "CHART",
  chartVersion: "CHART_VERSION",
  release: "RELEASE",
  values: "HELM_VALUES",
} as const;

/**
 * Argo CD substitutes its build environment into the values of `plugin.env` (`$ARGOCD_APP_NAME`,
 * `${KUBE_VERSION}`; an unknown name becomes empty) and reads `$$` as one `$`: every `$` is
 * doubled, so that the plugin receives the text exactly as Plateau wrote it.
 */
export const escapeArgoEnv = (text: string): string => text.replaceAll("$", "$$$$");

/** JSON with sorted keys (JSON is YAML: Helm reads it as a values file), the same bytes for the same values. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * What the plugin runs, with bash: `helm template` of the chart from its repository with the
 * values, piped into `argocd-vault-plugin generate -`. A constant: the chart, its version, the
 * release and the values only ever arrive as environment variables, every one quoted, the
 * values through a file descriptor (`<(printf '%s' …)`), never on a command line Plateau
 * writes. `KUBE_VERSION` and `KUBE_API_VERSIONS` are Argo CD's build environment (its own
 * Helm source passes the same), so charts that test `.Capabilities` choose as they would
 * there (a Route on OpenShift). Helm's homes are a fresh folder: no repository, plugin or
 * registry configuration of the container is read. `AVP_PATH_VALIDATION` confines the
 * placeholders to the instance's own Secret in the Application's destination namespace
 * (which the project's AppProject fences), whatever a chart or its values may hold.
 */
export const AVP_GENERATE_SCRIPT = [
  "set -euo pipefail",
  'for name in "$ARGOCD_APP_NAMESPACE" "$ARGOCD_ENV_RELEASE"; do',
  '  if [[ ! "$name" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]]; then echo "plateau-helm-avp: \\"$name\\" is not a DNS label" >&2; exit 1; fi',
  "done",
  'export AVP_PATH_VALIDATION="^${ARGOCD_APP_NAMESPACE}:${ARGOCD_ENV_RELEASE}-generated\\$"',
  'home="$(mktemp -d)"',
  "trap 'rm -rf \"$home\"' EXIT",
  'export HELM_CACHE_HOME="$home/cache" HELM_CONFIG_HOME="$home/config" HELM_DATA_HOME="$home/data"',
  "capabilities=()",
  'if [[ -n "${KUBE_VERSION:-}" ]]; then capabilities+=(--kube-version "$KUBE_VERSION"); fi',
  'if [[ -n "${KUBE_API_VERSIONS:-}" ]]; then capabilities+=(--api-versions "$KUBE_API_VERSIONS"); fi',
  'helm template "$ARGOCD_ENV_RELEASE" "$ARGOCD_ENV_CHART" --repo "$ARGOCD_ENV_CHART_REPOSITORY" --version "$ARGOCD_ENV_CHART_VERSION" \\',
  '  --namespace "$ARGOCD_APP_NAMESPACE" ${capabilities[@]+"${capabilities[@]}"} --values <(printf \'%s\' "$ARGOCD_ENV_HELM_VALUES") |',
  "  argocd-vault-plugin generate -",
  "",
].join("\n");

/**
 * argocd-vault-plugin's definition for the sidecar: no `discover`, so Argo CD hands it only the
 * Applications that name it (Plateau's charts with secrets), never another directory.
 * Not a Kubernetes object: a file formatted like one, which the sidecar reads.
 */
export function avpPluginDefinition(): Record<string, unknown> {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ConfigManagementPlugin",
    metadata: { name: AVP_PLUGIN_NAME },
    spec: {
      generate: { command: ["bash", "-c"], args: [AVP_GENERATE_SCRIPT] },
      // Renders only read the repository: several may run at once.
      allowConcurrency: true,
      lockRepo: false,
    },
  };
}

/**
 * What the platform's Argo CD bootstrap carries for the plugin, in Argo CD's namespace: its
 * definition and its configuration (the Kubernetes-secret backend, which reads Secrets with
 * the repo-server's service account; nothing secret, hence a ConfigMap). The sidecar that
 * mounts them is the operator's (docs/argocd.md): a change of Argo CD's own Deployment.
 */
export function avpBootstrapObjects(namespace: string, labels: Record<string, string>): KubeObject[] {
  return [
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: AVP_CONFIG_CONFIGMAP, namespace, labels: { ...labels } },
      data: { AVP_TYPE: "kubernetessecret" },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: AVP_PLUGIN_CONFIGMAP, namespace, labels: { ...labels } },
      data: { [AVP_PLUGIN_KEY]: toYaml(avpPluginDefinition()) },
    },
  ];
}

export interface SecretReaderInput {
  /** The project's namespace, whose Secrets the plugin reads. */
  readonly namespace: string;
  /** Where Argo CD runs. */
  readonly argocdNamespace: string;
  /** The repo-server's service account (the sidecar runs in its pod, with its token). */
  readonly serviceAccount: string;
  readonly labels: Record<string, string>;
}

/**
 * `get` on Secrets of the project's namespace for Argo CD's repo-server, whose plugin sidecar
 * resolves the placeholders. Not `list` nor `watch`: the plugin reads a Secret by name, and
 * without `list` nothing can enumerate the namespace's Secrets with this grant.
 */
export function avpSecretReader(input: SecretReaderInput): KubeObject[] {
  const rbac = "rbac.authorization.k8s.io";
  const metadata = () => ({ name: AVP_SECRET_READER, namespace: input.namespace, labels: { ...input.labels } });
  return [
    {
      apiVersion: `${rbac}/v1`,
      kind: "Role",
      metadata: metadata(),
      rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }],
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: "RoleBinding",
      metadata: metadata(),
      roleRef: { apiGroup: rbac, kind: "Role", name: AVP_SECRET_READER },
      subjects: [{ kind: "ServiceAccount", name: input.serviceAccount, namespace: input.argocdNamespace }],
    },
  ];
}
