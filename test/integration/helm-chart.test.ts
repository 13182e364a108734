// Plateau's own chart (deploy/helm/plateau, ADR 0041) and its Argo CD Application
// (examples/argocd/plateau.yaml), rendered with the real Helm as Argo CD's repo-server renders
// them: every object against the schemas the API server and the operators enforce, the pods
// against Pod Security `restricted`, the values against values.schema.json, and the
// configuration the chart writes against Plateau's own `loadConfig`.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { loadConfig } from "../../src/main/config.js";
import { fromYaml, fromYamlStream } from "../../src/core/yaml.js";
import { createCrdValidator, type CrdValidator } from "../../src/core/render/crd-validate.js";
import { validateObjects } from "../../src/core/render/validate.js";
import { restrictedViolations } from "../../src/core/render/pod-security.js";
import { podSecurityFindings, type PreflightRules } from "../../src/core/helm/preflight.js";
import { isKubeObject, type KubeObject } from "../../src/core/render/kube.js";
import { helmUnavailable, TEST_HELM } from "../support/helm.js";
import { testCrds } from "../support/plateau.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const CHART = join(ROOT, "deploy", "helm", "plateau");
const APPLICATION = join(ROOT, "examples", "argocd", "plateau.yaml");
const NAMESPACE = "plateau";

const skip = helmUnavailable();
const scratch = mkdtempSync(join(tmpdir(), "plateau-chart-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`not an object: ${JSON.stringify(value)}`);
  return value as Json;
};

/** The example Application, and its Helm values written as a file (what Argo CD passes to `helm template`). */
function exampleApplication(): { application: KubeObject; valuesFile: string; values: Json } {
  const application = fromYaml(readFileSync(APPLICATION, "utf8"), APPLICATION) as KubeObject;
  const helm = asObject(asObject(asObject(application.spec).source).helm);
  const values = asObject(helm.valuesObject);
  const valuesFile = join(scratch, "application-values.json");
  writeFileSync(valuesFile, JSON.stringify(values));
  return { application, valuesFile, values };
}

/** `helm template` of the chart: its standard output, or the error Helm gave (stderr). */
async function template(args: readonly string[] = []): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  try {
    const { stdout } = await run(TEST_HELM, ["template", "plateau", CHART, "--namespace", NAMESPACE, ...args], { maxBuffer: 16 << 20 });
    return { ok: true, text: stdout };
  } catch (error) {
    return { ok: false, error: String((error as { stderr?: string }).stderr ?? error) };
  }
}

async function rendered(args: readonly string[] = []): Promise<{ text: string; objects: KubeObject[] }> {
  const result = await template(args);
  if (!result.ok) throw new Error(`helm template failed: ${result.error}`);
  const objects = fromYamlStream(result.text, "helm template").filter((document) => document !== null);
  for (const object of objects) if (!isKubeObject(object)) throw new Error(`not a Kubernetes object: ${JSON.stringify(object)}`);
  return { text: result.text, objects: objects as KubeObject[] };
}

async function refusal(args: readonly string[]): Promise<string> {
  const result = await template(args);
  if (result.ok) throw new Error(`helm template accepted ${args.join(" ")}`);
  return result.error;
}

const one = (objects: readonly KubeObject[], kind: string): KubeObject => {
  const found = objects.filter((object) => object.kind === kind);
  if (found.length !== 1) throw new Error(`${found.length} objects of kind ${kind}`);
  return found[0] as KubeObject;
};
const podSpecOf = (deployment: KubeObject): Json => asObject(asObject(asObject(deployment.spec).template).spec);
const containerOf = (deployment: KubeObject): Json => asObject((podSpecOf(deployment).containers as unknown[])[0]);
const envOf = (deployment: KubeObject): Json[] => (containerOf(deployment).env as unknown[]).map(asObject);

/** Kubernetes' kinds Plateau's own renderer never writes (so validateObjects does not list them), from the same kubernetes-models. */
const CHART_ONLY_MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget as never,
  "v1/ServiceAccount": ServiceAccount as never,
};

function validate(objects: readonly KubeObject[], crds: CrdValidator): void {
  const rest: KubeObject[] = [];
  for (const object of objects) {
    const Model = CHART_ONLY_MODELS[`${object.apiVersion}/${object.kind}`];
    if (Model) new Model(object as never).validate();
    else rest.push(object);
  }
  validateObjects(rest, crds);
}

/** Plateau's configuration as the chart wrote it, loaded as `plateau up` loads it in the pod (its env from the Deployment). */
function loadRenderedConfig(objects: readonly KubeObject[]) {
  const configMap = one(objects, "ConfigMap");
  const text = asObject(configMap.data)["plateau.yaml"];
  if (typeof text !== "string") throw new Error("the ConfigMap has no plateau.yaml");
  const file = join(scratch, `plateau-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  // Each variable the pod reads from a Secret gets a stand-in value, as the kubelet would give the real one.
  const env: NodeJS.ProcessEnv = {};
  for (const entry of envOf(one(objects, "Deployment"))) {
    const name = String(entry.name);
    if (entry.value !== undefined) env[name] = String(entry.value);
    else if (asObject(entry.valueFrom ?? {}).secretKeyRef)
      env[name] = name === "PLATEAU_DATABASE_URL" ? "postgres://plateau@db.example.org/plateau" : "stand-in";
  }
  env.POD_NAME = "plateau-7d9f-abcde";
  // `plateau up --config <file>`: the file the command names.
  return loadConfig({ file, env, cwd: scratch });
}

describe.skipIf(skip)("Plateau's own chart, rendered by the real Helm", () => {
  it("passes helm lint, with its defaults and with the example Application's values", async () => {
    const { valuesFile } = exampleApplication();
    for (const args of [[], ["--values", valuesFile]]) {
      const { stdout } = await run(TEST_HELM, ["lint", "--strict", CHART, "--namespace", NAMESPACE, ...args]);
      expect(stdout).toContain("0 chart(s) failed");
    }
    const broken = await run(TEST_HELM, ["lint", "--strict", CHART, "--set", "replicas=three"]).then(
      () => "accepted",
      (error: { stdout?: string }) => String(error.stdout),
    );
    expect(broken).toContain("/replicas");
  });

  it("renders objects the API server and the operators' CRDs accept, with the defaults and with the example's values, for each way of exposing it", async () => {
    const crds = createCrdValidator(await testCrds());
    const { valuesFile } = exampleApplication();
    const defaults = await rendered();
    expect(defaults.objects.map((object) => object.kind).sort()).toEqual([
      "ConfigMap",
      "Deployment",
      "PodDisruptionBudget",
      "Route",
      "Service",
      "ServiceAccount",
    ]);
    validate(defaults.objects, crds);

    const example = await rendered(["--values", valuesFile]);
    expect(example.objects.map((object) => object.kind).sort()).toEqual([
      "ConfigMap",
      "Deployment",
      "PodDisruptionBudget",
      "Route",
      "Service",
      "ServiceAccount",
      "ServiceMonitor",
    ]);
    validate(example.objects, crds);
    const monitor = one(example.objects, "ServiceMonitor");
    expect(asObject(monitor.spec).endpoints).toEqual([expect.objectContaining({ port: "http", path: "/metrics" })]);
    const route = asObject(one(example.objects, "Route").spec);
    expect(route).toMatchObject({ host: "plateau.apps.math.cnrs.example.org", tls: { termination: "edge" }, to: { kind: "Service" } });

    const ingress = await rendered(["--set", "expose.kind=ingress", "--set", "expose.ingressClassName=nginx", "--set", "expose.tls.secretName=plateau-tls"]);
    expect(ingress.objects.some((object) => object.kind === "Route")).toBe(false);
    expect(asObject(one(ingress.objects, "Ingress").spec).tls).toEqual([{ hosts: ["plateau.example.org"], secretName: "plateau-tls" }]);
    const policy = await rendered(["--set", "networkPolicy.enabled=true"]);
    validate([...ingress.objects, one(policy.objects, "NetworkPolicy")], crds);
    const none = await rendered(["--set", "expose.kind=none"]);
    expect(none.objects.some((object) => object.kind === "Route" || object.kind === "Ingress")).toBe(false);

    // The validators do refuse: a Route without the Service's kind, a PodDisruptionBudget with a wrong field type.
    const badRoute = structuredClone(one(example.objects, "Route"));
    delete (asObject(asObject(badRoute.spec).to) as { kind?: unknown }).kind;
    expect(() => validate([badRoute], crds)).toThrow(/kind/);
    const badBudget = structuredClone(one(example.objects, "PodDisruptionBudget"));
    asObject(badBudget.spec).selector = "app=plateau";
    expect(() => validate([badBudget], crds)).toThrow();
    const badMonitor = structuredClone(monitor);
    asObject(badMonitor.spec).endpoints = [{ port: 8080, path: "/metrics" }];
    expect(() => validate([badMonitor], crds)).toThrow(/port/);
  });

  it("has an example Application that Argo CD's CRD accepts, deploying the chart's path with automated sync, prune and self-heal", async () => {
    const crds = createCrdValidator(await testCrds());
    const { application, values } = exampleApplication();
    expect(() => crds.validate([application])).not.toThrow();
    const spec = asObject(application.spec);
    expect(asObject(spec.source)).toMatchObject({ path: "deploy/helm/plateau" });
    expect(asObject(spec.syncPolicy)).toMatchObject({ automated: { prune: true, selfHeal: true } });
    expect(asObject(spec.syncPolicy).syncOptions).toContain("ServerSideApply=true");
    expect(values).toMatchObject({ replicas: 3, expose: { kind: "route" }, serviceMonitor: { enabled: true } });
    const broken = structuredClone(application);
    asObject(asObject(broken.spec).syncPolicy).automated = { prune: "yes" };
    expect(() => crds.validate([broken])).toThrow(/prune/);
  });

  it("runs pods that Pod Security restricted admits, and that OpenShift's restricted-v2 admits with the example's values", async () => {
    const { valuesFile } = exampleApplication();
    const defaults = await rendered();
    expect(restrictedViolations(defaults.objects)).toEqual([]);
    const pod = podSpecOf(one(defaults.objects, "Deployment"));
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } });
    expect(asObject(containerOf(one(defaults.objects, "Deployment")).securityContext)).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.automountServiceAccountToken).toBe(false);

    // OpenShift allocates uids per namespace: the defaults' fixed uid is refused there, the example's (none) is not.
    const openshift = { podSecurity: "openshift-restricted-v2" } as PreflightRules;
    expect(podSecurityFindings(defaults.objects, openshift).map((finding) => finding.rule)).toContain("openshift-scc");
    const example = await rendered(["--values", valuesFile]);
    expect(podSecurityFindings(example.objects, openshift)).toEqual([]);
    expect(restrictedViolations(example.objects)).toEqual([]);

    // The check bites: the same pod with privilege escalation allowed is refused.
    const escalating = structuredClone(one(defaults.objects, "Deployment"));
    asObject(containerOf(escalating).securityContext).allowPrivilegeEscalation = true;
    expect(restrictedViolations([escalating]).join("\n")).toContain("allowPrivilegeEscalation");
  });

  it("rolls one pod at a time behind probes on /healthz and /readyz, spread across nodes, each with its own emptyDir clone", async () => {
    const { objects } = await rendered();
    const deployment = one(objects, "Deployment");
    const spec = asObject(deployment.spec);
    expect(spec.replicas).toBe(3);
    expect(spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const container = containerOf(deployment);
    expect(container.command).toEqual(["plateau", "up", "--port", "8080", "--config", "/etc/plateau/plateau.yaml"]);
    expect(container.image).toBe("registry.example.org/plateau/plateau:0.1.0");
    expect(asObject(asObject(container.startupProbe).httpGet).path).toBe("/healthz");
    expect(asObject(asObject(container.livenessProbe).httpGet).path).toBe("/healthz");
    expect(asObject(asObject(container.readinessProbe).httpGet).path).toBe("/readyz");
    const pod = podSpecOf(deployment);
    const antiAffinity = asObject(asObject(pod.affinity).podAntiAffinity);
    expect(antiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      expect.objectContaining({ podAffinityTerm: expect.objectContaining({ topologyKey: "kubernetes.io/hostname" }) }),
    ]);
    const volumes = (pod.volumes as unknown[]).map(asObject);
    expect(volumes.find((volume) => volume.name === "data")).toMatchObject({ emptyDir: {} });
    expect(volumes.find((volume) => volume.name === "tmp")).toMatchObject({ emptyDir: {} });
    expect(envOf(deployment)).toContainEqual({ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } });
    expect(envOf(deployment)).toContainEqual({ name: "PLATEAU_CONFIG", value: "/etc/plateau/plateau.yaml" });

    // Plateau is never killed while it drains and finishes: the grace period exceeds drain + grace.
    const config = loadRenderedConfig(objects);
    expect(config.shutdown.drainSeconds).toBe(5);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(config.shutdown.drainSeconds + config.shutdown.graceSeconds);
    const longer = await rendered(["--set", "shutdown.graceSeconds=100"]);
    expect(podSpecOf(one(longer.objects, "Deployment")).terminationGracePeriodSeconds).toBeGreaterThan(105);

    expect(asObject(one(objects, "PodDisruptionBudget").spec)).toMatchObject({ maxUnavailable: 1 });
    const minAvailable = await rendered(["--set", "podDisruptionBudget.maxUnavailable=null", "--set", "podDisruptionBudget.minAvailable=2"]);
    expect(asObject(one(minAvailable.objects, "PodDisruptionBudget").spec)).toMatchObject({ minAvailable: 2 });
    expect(asObject(one(minAvailable.objects, "PodDisruptionBudget").spec).maxUnavailable).toBeUndefined();
  });

  it("writes a plateau.yaml that Plateau's own loadConfig accepts, replicated when there are several replicas", async () => {
    const { valuesFile } = exampleApplication();
    const example = await rendered(["--values", valuesFile]);
    const config = loadRenderedConfig(example.objects);
    expect(config.listen).toEqual({ host: "0.0.0.0", port: 8080, trustProxy: true });
    expect(config.replication.enabled).toBe(true);
    expect(config.replication.replicaId).toBe("plateau-7d9f-abcde");
    expect(config.dataDir).toBe("/var/lib/plateau");
    expect(config.database).toBe("postgres://plateau@db.example.org/plateau");
    expect(config.remote).toMatchObject({ tokenEnv: "PLATEAU_GIT_TOKEN", webhookSecretEnv: "PLATEAU_GIT_WEBHOOK_SECRET" });
    expect(config.identity.providers[0]?.clientSecret).toBe("stand-in");
    expect(config.publicUrl).toBe("https://plateau.apps.math.cnrs.example.org");

    const defaults = loadRenderedConfig((await rendered()).objects);
    expect(defaults.replication.enabled).toBe(true);
    expect(defaults.publicUrl).toBe("https://plateau.example.org");

    // Numbers keep their value through Helm's values (floats in Go) and toYaml.
    const numbersFile = join(scratch, "numbers.json");
    writeFileSync(numbersFile, JSON.stringify({ config: { alerts: { seriesBudget: 20_000_000 }, reconcile: { intervalSeconds: 0.5 } } }));
    const numbers = loadRenderedConfig((await rendered(["--values", numbersFile])).objects);
    expect([numbers.alerts.seriesBudget, numbers.reconcile.intervalSeconds]).toEqual([20_000_000, 0.5]);

    // One replica on SQLite in its emptyDir (a trial): not replicated, and still a configuration Plateau accepts.
    const single = await rendered([
      "--set",
      "replicas=1",
      "--set",
      "database.existingSecret=null",
      "--set",
      "remote.existingSecret=null",
      "--set",
      "config.remote=null",
    ]);
    const alone = loadRenderedConfig(single.objects);
    expect(alone.replication.enabled).toBe(false);
    expect(alone.database).toBeUndefined();

    // The loader refuses what Plateau would refuse: a provider without its secret's variable.
    const withoutSecret = structuredClone(example.objects);
    const deployment = one(withoutSecret, "Deployment");
    const container = containerOf(deployment);
    container.env = envOf(deployment).filter((entry) => entry.name !== "PLATEAU_OIDC_RENATER_CLIENT_SECRET");
    expect(() => loadRenderedConfig(withoutSecret)).toThrow(/clientSecret/);
  });

  it("rolls the pods when the configuration changes, and only then; two renders are byte-identical", async () => {
    const { valuesFile } = exampleApplication();
    const first = await rendered(["--values", valuesFile]);
    const second = await rendered(["--values", valuesFile]);
    expect(second.text).toBe(first.text);
    const checksum = (objects: readonly KubeObject[]) => asObject(asObject(asObject(one(objects, "Deployment").spec).template).metadata).annotations;
    const changed = await rendered(["--values", valuesFile, "--set", "config.logLevel=debug"]);
    expect(checksum(changed.objects)).not.toEqual(checksum(first.objects));
    const scaled = await rendered(["--values", valuesFile, "--set", "resources.requests.cpu=1"]);
    expect(checksum(scaled.objects)).toEqual(checksum(first.objects));
  });

  it("renders no Secret and no secret: every secret is a reference to an existing Secret", async () => {
    const { valuesFile } = exampleApplication();
    const { text, objects } = await rendered(["--values", valuesFile]);
    expect(objects.filter((object) => object.kind === "Secret")).toEqual([]);
    expect(text).not.toMatch(/postgres(ql)?:\/\//);
    const references = envOf(one(objects, "Deployment"))
      .filter((entry) => entry.valueFrom !== undefined && asObject(entry.valueFrom).secretKeyRef)
      .map((entry) => `${String(entry.name)}=${JSON.stringify(asObject(entry.valueFrom).secretKeyRef)}`);
    expect(references).toEqual([
      'PLATEAU_DATABASE_URL={"name":"plateau-database","key":"url"}',
      'PLATEAU_GIT_TOKEN={"name":"plateau-remote","key":"token"}',
      'PLATEAU_GIT_WEBHOOK_SECRET={"name":"plateau-remote","key":"webhook-secret"}',
      'PLATEAU_OIDC_RENATER_CLIENT_SECRET={"name":"plateau-oidc","key":"renater-client-secret"}',
      'PLATEAU_ARGOCD_PLMSHIFT_TOKEN={"name":"plateau-argocd","key":"plmshift"}',
    ]);
    // No variable that holds a secret has a literal value.
    for (const entry of envOf(one(objects, "Deployment")))
      if (/TOKEN|SECRET|PASSWORD|DATABASE_URL/.test(String(entry.name))) expect(entry.value, String(entry.name)).toBeUndefined();
  });

  it("refuses bad values with an error naming the field", async () => {
    expect(await refusal(["--set", "replicas=three"])).toContain("/replicas");
    expect(await refusal(["--set", "replicaCount=3"])).toMatch(/additional properties 'replicaCount' not allowed/);
    expect(await refusal(["--set", "database.url=postgres://plateau:hunter2@db/plateau"])).toMatch(/\/database.*additional properties 'url'/);
    expect(await refusal(["--set", "config.database=postgres://plateau:hunter2@db/plateau"])).toContain("/config/database");
    expect(await refusal(["--set", "config.identity.providers[0].id=renater", "--set", "config.identity.providers[0].clientSecret=hunter2"])).toContain(
      "/config/identity/providers/0/clientSecret",
    );
    expect(await refusal(["--set", "image.tag=latest"])).toContain("/image/tag");
    expect(await refusal(["--set", "expose.kind=gateway"])).toContain("/expose/kind");
    // Several replicas share one PostgreSQL and one forge: both are required.
    expect(await refusal(["--set", "database.existingSecret=null"])).toMatch(/\/database.*existingSecret/);
    expect(await refusal(["--set", "config.remote=null"])).toMatch(/\/config.*remote/);
    // …and sign in through a provider: the embedded one keeps its state in one process.
    expect(await refusal(["--set-json", "config.identity.providers=[]", "--set", "identity.clientSecrets.renater=null"])).toContain(
      "/config/identity/providers",
    );
    // And where the schema is skipped, the templates say it too.
    expect(await refusal(["--skip-schema-validation", "--set", "database.existingSecret=null"])).toContain(
      "database.existingSecret is required with several replicas",
    );
    expect(await refusal(["--skip-schema-validation", "--set-json", "config.identity.providers=[]", "--set", "identity.clientSecrets.renater=null"])).toContain(
      "config.identity.providers needs a provider with several replicas",
    );
    expect(await refusal(["--set", "identity.clientSecrets.unknown.name=x", "--set", "identity.clientSecrets.unknown.key=y"])).toContain(
      "identity.clientSecrets.unknown names no provider",
    );
  });

  it("types and describes every value, and lets no object of its own take unknown keys", () => {
    const schema = JSON.parse(readFileSync(join(CHART, "values.schema.json"), "utf8")) as Json;
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    const values = fromYaml(readFileSync(join(CHART, "values.yaml"), "utf8"), "values.yaml") as Json;
    const problems: string[] = [];
    const walk = (value: unknown, node: Json | undefined, path: string) => {
      if (!node) return void problems.push(`${path}: not in values.schema.json`);
      if (node.type === undefined) problems.push(`${path}: no type`);
      if (typeof node.description !== "string" || node.description.length < 10) problems.push(`${path}: no description`);
      // config is Plateau's own configuration: its schema is Plateau's (loadConfig, tested above).
      if (path === "/config" || typeof value !== "object" || value === null || Array.isArray(value)) return;
      if (node.properties && node.additionalProperties !== false) problems.push(`${path}: additionalProperties is not false`);
      const properties = (node.properties ?? {}) as Record<string, Json>;
      const patterns = Object.entries((node.patternProperties ?? {}) as Record<string, Json>);
      const schemaOf = (key: string): Json | undefined =>
        properties[key] ?? patterns.find(([pattern]) => new RegExp(pattern).test(key))?.[1] ?? (node.additionalProperties as Json | undefined);
      for (const [key, child] of Object.entries(value)) walk(child, schemaOf(key), `${path}/${key}`);
    };
    walk(values, schema, "");
    expect(problems).toEqual([]);
  });
});
