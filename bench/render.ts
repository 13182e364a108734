// B2: rendering. 20,000 launch intents spread over the built-in templates, with varied values
// (sizes, storage, images, git repositories, commands needing YAML quoting, stopped ones), on
// three platforms (local podman, an OpenShift cluster with Routes, a Kubernetes cluster with
// Ingresses). Ours does for each what the instance service does on launch between the request
// and the commit: resolveValues (schema check, defaults), renderInstance, validateObjects
// (kubernetes-models, and the real Route CRD) and toManifestFiles (sorted-key YAML, one file per
// object). The baseline is `yaml.stringify` alone of the very objects the render produced,
// computed beforehand, one document per object. Every render must give the same bytes.
import { join } from "node:path";
import { stringify } from "yaml";
import { loadTemplates } from "../src/adapters/catalog/file-catalog.js";
import { loadCrds } from "../src/adapters/schemas/crd-files.js";
import type { Template } from "../src/core/catalog/template.js";
import { resolveValues } from "../src/core/catalog/values.js";
import type { InstanceState, PlatformDocument } from "../src/core/model.js";
import { localPlatformDocument } from "../src/core/platforms/service.js";
import { createCrdValidator, type CrdValidator } from "../src/core/render/crd-validate.js";
import type { KubeObject } from "../src/core/render/kube.js";
import { renderInstance, toManifestFiles, type ManifestFile } from "../src/core/render/render.js";
import { validateObjects } from "../src/core/render/validate.js";
import { PACKAGE_ROOT } from "../src/main/config.js";
import { seededRandom } from "../test/support/random.js";
import { median, ms, ratio, type Row } from "./stats.js";

const INSTANCES = 20_000;
const PROJECTS = 500;
/** Timed rounds of each side, after the untimed first render (about 30 s a round). */
const ROUNDS = 3;

const local = localPlatformDocument("localhost");
const cluster = (name: string, flavour: "openshift" | "kubernetes", domain: string): PlatformDocument => ({
  ...local,
  metadata: { name },
  spec: { ...local.spec, title: name, engine: "argocd", infrastructure: { type: "openstack" }, site: name, flavour, domain },
});
const PLATFORMS = [local, cluster("okd", "openshift", "apps.okd.example.org"), cluster("k8s", "kubernetes", "apps.k8s.example.org")];

/** As `plateau up` builds instance URLs (src/main/up.ts), with the proxy on port 8080. */
const urlOf = (platform: PlatformDocument, project: string, instance: string): string =>
  platform.metadata.name === "local"
    ? `http://${instance}.${project}.${platform.spec.domain}:8080/`
    : `https://${instance}.${project}.${platform.spec.domain}/`;

interface Intent {
  readonly template: Template;
  /** What the person asked for: resolved (checked, defaults applied) by the render pass. */
  readonly values: Record<string, unknown>;
  readonly project: string;
  readonly instance: string;
  readonly state: InstanceState;
  readonly platform: PlatformDocument;
  readonly url: string;
}

/** Arguments a person may type, several of which YAML must quote (`: `, `#`, yes, leading zero, quotes). */
const ARGUMENTS = ["--port=3000", "--title=Lab: results", "#1", "yes", "0755", "it's", 'say "hi"', "--log-level", "debug", "~", "null", "été"];

function intents(templates: readonly Template[]): Intent[] {
  const next = seededRandom(2);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const integer = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return Array.from({ length: INSTANCES }, (_, i): Intent => {
    const template = pick(templates);
    const properties = (template.valuesSchema as { properties: Record<string, { minimum?: number; maximum?: number }> }).properties;
    const values: Record<string, unknown> = { size: pick(["small", "medium", "large"]) };
    if (properties.image && next() < 0.3) values.image = `registry.example.org/lab-${integer(1, 50)}/${template.spec.id}:${integer(1, 9)}.${integer(0, 20)}`;
    if (properties.storage && next() < 0.7) values.storage = integer(properties.storage.minimum ?? 1, Math.min(properties.storage.maximum ?? 50, 100));
    if (properties.command && next() < 0.5)
      values.command = [pick(["npm", "node", "python", "gunicorn"]), ...Array.from({ length: integer(0, 4) }, () => pick(ARGUMENTS))];
    if (properties.git && next() < 0.4) {
      values.git = {
        repository: `https://git.example.org/lab-${integer(1, 50)}/project-${i}.git`,
        ...(next() < 0.5 ? { ref: pick(["v1.2.3", "feature/x", "2024.12"]) } : {}),
      };
    }
    if (properties.database && next() < 0.5) values.database = { storage: integer(1, 20) };
    const platform = pick(PLATFORMS);
    const project = `project-${Math.floor(next() * PROJECTS)}`;
    const instance = `${template.spec.id}-${i}`;
    return { template, values, project, instance, state: next() < 0.9 ? "running" : "stopped", platform, url: urlOf(platform, project, instance) };
  });
}

interface Pass {
  readonly files: ManifestFile[][];
  readonly objects: KubeObject[][];
  /** Milliseconds spent in each step, summed over the instances. */
  readonly steps: { resolve: number; render: number; validate: number; serialize: number };
}

/** One full render, as the instance service renders a launch (instances/service.ts: launchValues, rendered). */
function renderAll(work: readonly Intent[], crds: CrdValidator): Pass {
  const steps = { resolve: 0, render: 0, validate: 0, serialize: 0 };
  const files: ManifestFile[][] = [];
  const objects: KubeObject[][] = [];
  for (const intent of work) {
    const t0 = performance.now();
    const values = resolveValues(intent.template, intent.values);
    const t1 = performance.now();
    const rendered = renderInstance({
      template: intent.template,
      values,
      project: intent.project,
      instance: intent.instance,
      state: intent.state,
      platform: intent.platform,
      url: intent.url,
    });
    const t2 = performance.now();
    validateObjects(rendered, crds);
    const t3 = performance.now();
    files.push(toManifestFiles(rendered));
    const t4 = performance.now();
    objects.push(rendered);
    steps.resolve += t1 - t0;
    steps.render += t2 - t1;
    steps.validate += t3 - t2;
    steps.serialize += t4 - t3;
  }
  return { files, objects, steps };
}

/** Throws at the first byte that differs between two full renders. */
function assertIdentical(first: readonly ManifestFile[][], again: readonly ManifestFile[][], work: readonly Intent[], round: number): void {
  if (first.length !== again.length) throw new Error(`B2: render ${round} gave ${again.length} instances, the first ${first.length}`);
  first.forEach((files, i) => {
    const other = again[i] as ManifestFile[];
    const where = `${work[i]?.project}/${work[i]?.instance}`;
    if (files.length !== other.length) throw new Error(`B2: render ${round} of ${where} gave ${other.length} files, the first ${files.length}`);
    files.forEach((file, k) => {
      const second = other[k] as ManifestFile;
      if (file.name !== second.name || file.content !== second.content) {
        let at = 0;
        while (at < file.content.length && file.content[at] === second.content[at]) at++;
        throw new Error(`B2: render ${round} is not byte-identical to the first: ${where} ${file.name} vs ${second.name}, first difference at character ${at}`);
      }
    });
  });
}

export async function benchRender(log: (line: string) => void): Promise<Row[]> {
  const templates = await loadTemplates(join(PACKAGE_ROOT, "catalog"));
  const crds = createCrdValidator(await loadCrds(join(PACKAGE_ROOT, "schemas")));
  const work = intents(templates);

  // The first full render (untimed): the reference output, and the objects the baseline serializes.
  const first = renderAll(work, crds);
  const objects = first.objects.flat();
  const documents = objects.map((object) => stringify(object)); // and the baseline's warm-up
  const bytes = first.files.flat().reduce((sum, file) => sum + Buffer.byteLength(file.content), 0);

  const ours: number[] = [];
  const baseline: number[] = [];
  const steps: Pass["steps"][] = [];
  // Each side's output is dropped before the other runs, so that neither pays for the other's garbage.
  const oursRound = (round: number) => {
    const start = performance.now();
    const again = renderAll(work, crds);
    ours.push(performance.now() - start);
    steps.push(again.steps);
    assertIdentical(first.files, again.files, work, round);
  };
  const baselineRound = () => {
    const start = performance.now();
    const serialized = objects.map((object) => stringify(object));
    baseline.push(performance.now() - start);
    if (serialized.length !== documents.length) throw new Error("B2: the baseline lost documents");
  };
  for (let round = 2; round <= ROUNDS + 1; round++) {
    oursRound(round);
    baselineRound();
  }

  const oursMs = median(ours);
  const baselineMs = median(baseline);
  const value = oursMs / baselineMs;
  const perSecond = Math.round((INSTANCES / oursMs) * 1000);
  const step = (key: keyof Pass["steps"]) => ms(median(steps.map((s) => s[key])));
  const perTemplate = new Map<string, number>();
  for (const intent of work) perTemplate.set(intent.template.spec.id, (perTemplate.get(intent.template.spec.id) ?? 0) + 1);
  log(
    `  B2 ${INSTANCES} instances → ${objects.length} objects, ${(bytes / 1e6).toFixed(1)} MB of YAML: ours ${ms(oursMs)} ms (${perSecond}/s), yaml.stringify ${ms(baselineMs)} ms, ${ratio(value)} (median of ${ROUNDS}); every render byte-identical to the first`,
  );
  log(
    `  B2 ours by step: resolveValues ${step("resolve")} ms, renderInstance ${step("render")} ms, validateObjects ${step("validate")} ms, toManifestFiles ${step("serialize")} ms`,
  );
  log(`  B2 instances per template: ${[...perTemplate].map(([id, count]) => `${id} ${count}`).join(", ")}`);
  return [
    {
      name: `B2 render, ${INSTANCES.toLocaleString("en")} instances of the ${templates.length} built-in templates`,
      ours: `${perSecond.toLocaleString("en")} instances/s (${ms(oursMs)} ms)`,
      baseline: `${ms(baselineMs)} ms (yaml.stringify of the same ${objects.length.toLocaleString("en")} objects)`,
      ratio: ratio(value),
      target: "≤ 1×",
      met: value <= 1,
    },
  ];
}
