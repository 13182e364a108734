// A chart's password never in git, yet in the chart's pods (ADR 0022): the committed values hold
// `<path:<project>:<instance>-generated#<key>>`, Helm renders the placeholder where the password
// goes, and argocd-vault-plugin's Kubernetes-secret backend (reproduced by test/support/avp.ts)
// puts the handed-over Secret's value in its place. The plugin's own command, as the bootstrap
// renders it, is run by bash with the environment Argo CD gives it.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHelmTemplateRenderer } from "../../src/adapters/helm/helm-template.js";
import type { RenderedObject } from "../../src/core/helm/rendered.js";
import { parseRenderedObjects } from "../../src/core/helm/rendered.js";
import { localPlatformDocument } from "../../src/core/platforms/service.js";
import { renderArgoBootstrap, renderHelmApplication } from "../../src/core/render/argocd.js";
import { fromYaml, toYaml } from "../../src/core/yaml.js";
import { argoPluginEnvironment, AvpError, avpSecretsFrom, replaceAvpPlaceholders } from "../support/avp.js";
import { FIXTURE_CHART_SOURCES_DIR, packFixtureChart } from "../support/chart-repository.js";
import { helmUnavailable, TEST_HELM } from "../support/helm.js";

const run = promisify(execFile);
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/**
 * jupyter-python with one more template telling what Helm was told of the cluster, so that a
 * render without Argo CD's KUBE_VERSION or KUBE_API_VERSIONS shows.
 */
const CAPABILITIES_TEMPLATE = [
  "apiVersion: v1",
  "kind: ConfigMap",
  "metadata:",
  "  name: {{ .Release.Name }}-capabilities",
  "data:",
  "  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}",
  '  route: {{ .Capabilities.APIVersions.Has "route.openshift.io/v1" | quote }}',
  "",
].join("\n");
const packTellingChart = () => packFixtureChart("jupyter-python", (dir) => writeFile(join(dir, "templates", "capabilities.yaml"), CAPABILITIES_TEMPLATE));

/** A Helm repository serving one archive, as `helm template --repo` fetches it. */
async function serveChart(name: string, version: string, archive: Buffer): Promise<{ location: string; server: Server }> {
  const file = `${name}-${version}.tgz`;
  const index = toYaml({
    apiVersion: "v1",
    entries: { [name]: [{ apiVersion: "v2", name, version, digest: createHash("sha256").update(archive).digest("hex"), urls: [file] }] },
  });
  const server = createServer((request, response) => {
    if (request.url === "/repo/index.yaml") response.writeHead(200, { "content-type": "text/yaml" }).end(index);
    else if (request.url === `/repo/${file}`) response.writeHead(200, { "content-type": "application/gzip" }).end(archive);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo`, server };
}

/** The Secret Plateau hands over for an instance (src/adapters/kubernetes/secret-hand-over.ts: `data`, base64). */
const handedOver = (namespace: string, name: string, data: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace },
  data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, b64(value)])),
});

describe("argocd-vault-plugin's Kubernetes-secret backend, as the tests reproduce it", () => {
  const secrets = avpSecretsFrom([
    handedOver("demo", "lab-generated", { "one-time-password": "pw-1", "project-password": "pw-2" }),
    { apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: "argocd" }, stringData: { token: "argo-side" } },
  ]);

  it("replaces inline-path placeholders anywhere in strings, several per string, in any kind, never in keys", () => {
    const [out] = replaceAvpPlaceholders(
      [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "d", annotations: { "<path:demo:lab-generated#one-time-password>": "key stays" } },
          spec: {
            args: ["--token=<path:demo:lab-generated#one-time-password>", ["<path:demo:lab-generated#one-time-password>"]],
            env: [{ name: "URL", value: "https://u:<path:demo:lab-generated#project-password>@h/<path:demo:lab-generated#one-time-password>" }],
            replicas: 1,
            other: "a <b> <path:no-key> c",
          },
        },
      ],
      secrets,
    );
    expect(out).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d", annotations: { "<path:demo:lab-generated#one-time-password>": "key stays" } },
      spec: {
        args: ["--token=pw-1", ["<path:demo:lab-generated#one-time-password>"]],
        env: [{ name: "URL", value: "https://u:pw-2@h/pw-1" }],
        replicas: 1,
        other: "a <b> <path:no-key> c",
      },
    });
  });

  it("decodes, replaces and encodes again base64 values of a Secret, and only of a Secret", () => {
    const encoded = b64("user:<path:demo:lab-generated#one-time-password>");
    const [secret, configMap] = replaceAvpPlaceholders(
      [
        { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { auth: encoded, plain: b64("no placeholder") } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { auth: encoded } },
      ],
      secrets,
    );
    expect(secret).toEqual({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { auth: b64("user:pw-1"), plain: b64("no placeholder") } });
    expect(configMap).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { auth: encoded } });
  });

  it("fails as the plugin fails: a missing Secret, a missing key, a path the validation refuses; a version is refused too", () => {
    const object = (value: string) => [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { value } }];
    expect(() => replaceAvpPlaceholders(object("<path:demo:other-generated#one-time-password>"), secrets)).toThrow(
      /secrets "other-generated" not found in namespace demo/,
    );
    expect(() => replaceAvpPlaceholders(object("<path:demo:lab-generated#nope>"), secrets)).toThrow(AvpError);
    expect(() => replaceAvpPlaceholders(object("<path:demo:lab-generated#one-time-password#2>"), secrets)).toThrow(/no versions/);
    const pathValidation = /^demo:lab-generated$/;
    expect(() => replaceAvpPlaceholders(object("<path:argocd:creds#token>"), secrets, { pathValidation })).toThrow(/disallowed/);
    // A path without a namespace reads Argo CD's: what the validation is there to refuse.
    expect(replaceAvpPlaceholders(object("<path:creds#token>"), secrets)).toEqual([{ ...object("")[0], data: { value: "argo-side" } }]);
    expect(() => replaceAvpPlaceholders(object("<path:creds#token>"), secrets, { pathValidation })).toThrow(/disallowed/);
    // Objects the plugin is told to ignore keep their text.
    const ignored = [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", annotations: { "avp.kubernetes.io/ignore": "true" } }, data: { v: "<path:x:y#z>" } },
    ];
    expect(replaceAvpPlaceholders(ignored, secrets)).toEqual(ignored);
  });

  it("gives the plugin the environment Argo CD gives it: build variables substituted into plugin.env, $$ read as $", () => {
    const env = argoPluginEnvironment(
      [
        { name: "A", value: "$ARGOCD_APP_NAMESPACE/${KUBE_VERSION}/$UNKNOWN/$$HOME/$$$$/end$" },
        { name: "B", value: "$${x}" },
      ],
      { ARGOCD_APP_NAMESPACE: "demo", KUBE_VERSION: "1.31.0" },
    );
    expect(env).toEqual({ ARGOCD_APP_NAMESPACE: "demo", KUBE_VERSION: "1.31.0", ARGOCD_ENV_A: "demo/1.31.0//$HOME/$$/end$", ARGOCD_ENV_B: "${x}" });
  });
});

const skip = helmUnavailable();

describe.skipIf(skip)("a chart's password through argocd-vault-plugin, with the real Helm", () => {
  const renderer = createHelmTemplateRenderer({ command: TEST_HELM });
  let repository: { location: string; server: Server };
  let archive: Buffer;
  let chartVersion: string;
  let work: string;
  beforeAll(async () => {
    chartVersion = String(
      (fromYaml(await readFile(join(FIXTURE_CHART_SOURCES_DIR, "jupyter-python", "Chart.yaml"), "utf8"), "Chart.yaml") as { version: string }).version,
    );
    archive = await packTellingChart();
    repository = await serveChart("jupyter-python", chartVersion, archive);
    work = await mkdtemp(join(tmpdir(), "plateau-avp-"));
  });
  afterAll(async () => {
    await renderer.close();
    repository.server.closeAllConnections();
    await new Promise((resolve) => repository.server.close(resolve));
    await rm(work, { recursive: true, force: true });
  });

  const password = "Pässw0rd-$HOME-'q'-\"dq\"-<x>";
  const placeholder = "<path:demo:lab-generated#one-time-password>";
  const secrets = avpSecretsFrom([handedOver("demo", "lab-generated", { "one-time-password": password })]);

  const tokenSecret = (objects: readonly RenderedObject[]) => {
    const found = objects.filter((object) => object.kind === "Secret" && (object.metadata.name as string).endsWith("-secrettoken"));
    expect(found).toHaveLength(1);
    return found[0] as RenderedObject & { stringData?: Record<string, string>; data?: Record<string, string> };
  };
  /** The notebook's pod: its environment comes from the token Secret, whose PASSWORD is Jupyter's token. */
  const podReadsToken = (objects: readonly RenderedObject[], secretName: string) => {
    const set = objects.find((object) => object.kind === "StatefulSet") as unknown as {
      spec: { template: { spec: { containers: { args?: string[]; envFrom?: { secretRef?: { name: string } }[] }[] } } };
    };
    const container = set.spec.template.spec.containers[0];
    expect(container?.envFrom?.map((from) => from.secretRef?.name)).toContain(secretName);
    expect(container?.args?.join(" ")).toContain("--LabApp.token='$(PASSWORD)'");
  };

  it("renders jupyter-python with the placeholder: no rendered object holds the password, the chart's Secret holds it once replaced", async () => {
    const archive = await packFixtureChart("jupyter-python");
    const rendered = await renderer.render({ archive, releaseName: "lab", namespace: "demo", values: { security: { password: placeholder } } });
    expect(JSON.stringify(rendered.objects)).not.toContain(password);
    expect(tokenSecret(rendered.objects).stringData?.PASSWORD).toBe(placeholder);

    const replaced = replaceAvpPlaceholders(rendered.objects, secrets);
    const secret = tokenSecret(replaced);
    expect(secret.stringData?.PASSWORD).toBe(password);
    podReadsToken(replaced, secret.metadata.name);
    // Nothing else changed, and no placeholder is left.
    expect(JSON.stringify(replaced)).not.toContain("<path:");
    expect(JSON.stringify(replaced).replaceAll(JSON.stringify(password).slice(1, -1), JSON.stringify(placeholder).slice(1, -1))).toBe(
      JSON.stringify(rendered.objects),
    );
  });

  it("replaces a chart's base64 Secret data as the plugin does (decoded, replaced, encoded)", async () => {
    const archive = await packFixtureChart("jupyter-python", async (chartDir) => {
      const file = join(chartDir, "charts", "library-chart", "templates", "_secret.tpl");
      const text = await readFile(file, "utf8");
      const edited = text.replace(
        "stringData:\n  PASSWORD: {{ .Values.security.password | quote }}",
        "data:\n  PASSWORD: {{ .Values.security.password | b64enc | quote }}",
      );
      expect(edited).not.toBe(text);
      await writeFile(file, edited);
    });
    const rendered = await renderer.render({ archive, releaseName: "lab", namespace: "demo", values: { security: { password: placeholder } } });
    expect(tokenSecret(rendered.objects).data?.PASSWORD).toBe(b64(placeholder));
    expect(JSON.stringify(rendered.objects)).not.toContain(b64(password));
    const secret = tokenSecret(replaceAvpPlaceholders(rendered.objects, secrets));
    expect(Buffer.from(secret.data?.PASSWORD ?? "", "base64").toString("utf8")).toBe(password);
  });

  const platform = { ...localPlatformDocument("apps.example.org"), metadata: { name: "okd" } };
  platform.spec = { ...platform.spec, engine: "argocd", flavour: "openshift" };
  const argocd = {
    namespace: "argocd",
    repoURL: "https://git.example.org/ds.git",
    targetRevision: "main",
    destinationServer: "https://kubernetes.default.svc",
  };
  const apiVersions = ["route.openshift.io/v1", "v1"];

  /** The plugin's environment for an instance's Application, as Argo CD builds it. */
  const applicationEnv = (values: Record<string, unknown>, chart: { version?: string } = {}) =>
    (
      renderHelmApplication({
        platform,
        argocd,
        project: "demo",
        instance: "lab",
        chart: { repository: repository.location, chart: "jupyter-python", version: chart.version ?? chartVersion },
        values,
      }) as unknown as { spec: { source: { plugin: { env: { name: string; value: string }[] } } } }
    ).spec.source.plugin.env;

  /**
   * Runs the plugin's command as the bootstrap commits it (read back from the ConfigMap the
   * sidecar mounts) with the sidecar's tools: Helm, and argocd-vault-plugin replaced by a
   * recorder that passes the stream through and keeps the AVP_PATH_VALIDATION it was given.
   */
  async function runPlugin(pluginEnv: { name: string; value: string }[], build: Record<string, string> = {}) {
    const configMap = renderArgoBootstrap({ platform, argocd, projects: ["demo"] }).find(
      (object) => object.metadata.name === "plateau-helm-avp",
    ) as unknown as {
      data: Record<string, string>;
    };
    const definition = fromYaml(configMap.data["plugin.yaml"] ?? "", "plugin.yaml") as { spec: { generate: { command: string[]; args: string[] } } };
    const [program = "", ...args] = [...definition.spec.generate.command, ...definition.spec.generate.args];
    const dir = await mkdtemp(join(work, "run-"));
    const bin = join(dir, "bin");
    await mkdir(bin);
    await symlink(TEST_HELM, join(bin, "helm"));
    const recorded = join(dir, "avp-path-validation");
    await writeFile(
      join(bin, "argocd-vault-plugin"),
      `#!/bin/sh\n[ "$1" = generate ] && [ "$2" = - ] || { echo "unexpected arguments: $*" >&2; exit 2; }\nprintf '%s' "$AVP_PATH_VALIDATION" > '${recorded}'\nexec cat\n`,
    );
    await chmod(join(bin, "argocd-vault-plugin"), 0o755);
    const env = argoPluginEnvironment(pluginEnv, {
      PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      HOME: dir,
      ARGOCD_APP_NAME: "demo.lab",
      ARGOCD_APP_NAMESPACE: "demo",
      KUBE_VERSION: "1.31.0",
      KUBE_API_VERSIONS: apiVersions.join(","),
      ...build,
    });
    const { stdout } = await run(program, args, { env, cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    return { stdout, pathValidation: new RegExp(await readFile(recorded, "utf8")) };
  }

  it("runs the plugin's own command with Argo CD's environment: what Plateau's Helm renders, hostile values kept as data, confined to the instance's Secret", async () => {
    const marker = join(work, "pwned");
    const hostile = `$(touch ${marker}) \`touch ${marker}\` '; touch ${marker}; ' $HOME \${KUBE_VERSION} $$`;
    const values = { security: { password: placeholder }, init: { personalInit: `https://example.org/init.sh#${hostile}` } };
    const { stdout, pathValidation } = await runPlugin(applicationEnv(values));
    expect(existsSync(marker)).toBe(false);
    const generated = parseRenderedObjects(stdout, "jupyter-python");

    // What Plateau's preflight renders for the same values, cluster version and APIs, which Helm was told.
    const preflight = await renderer.render({ archive, releaseName: "lab", namespace: "demo", values, apiVersions, kubeVersion: "1.31.0" });
    expect(generated).toEqual(preflight.objects);
    expect(generated.find((object) => object.metadata.name === "lab-capabilities")).toMatchObject({ data: { kubeVersion: "v1.31.0", route: "true" } });
    expect(JSON.stringify(generated)).toContain(JSON.stringify(hostile).slice(1, -1));
    expect(JSON.stringify(generated)).not.toContain(password);

    // The plugin may read the instance's own Secret, and no other.
    const secret = tokenSecret(replaceAvpPlaceholders(generated, secrets, { pathValidation }));
    expect(secret.stringData?.PASSWORD).toBe(password);
    for (const path of ["demo:other-generated", "argocd:creds", "lab-generated", "other:lab-generated", "demo:lab-generated-x"])
      expect(pathValidation.test(path)).toBe(false);
  });

  it("fails, emitting nothing, when Helm fails or a name is not a DNS label", async () => {
    const values = { security: { password: placeholder } };
    // A version the repository does not have: Helm fails, and so does the pipeline, whatever the plugin says.
    await expect(runPlugin(applicationEnv(values, { version: "99.0.0" }))).rejects.toMatchObject({ code: 1, stdout: "" });
    // Argo CD's namespace or the release are checked before they shape the path validation.
    const wide = applicationEnv(values).map((entry) => (entry.name === "RELEASE" ? { ...entry, value: "lab|.*" } : entry));
    await expect(runPlugin(wide)).rejects.toMatchObject({ code: 1, stdout: "", stderr: expect.stringContaining("is not a DNS label") });
    await expect(runPlugin(applicationEnv(values), { ARGOCD_APP_NAMESPACE: ".*" })).rejects.toMatchObject({ code: 1, stdout: "" });
  });
});
