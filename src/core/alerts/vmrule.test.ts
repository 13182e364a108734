// eslint-disable-next-line no-restricted-imports -- the test reads the community's platforms from examples/
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
// eslint-disable-next-line no-restricted-imports -- the test reads the real CRDs from schemas/ to check what the pure renderer builds
import { loadCrds } from "../../adapters/schemas/crd-files.js";
// eslint-disable-next-line no-restricted-imports -- a real in-memory repository, for the one commit of a repair
import { createMemoryRepository } from "../../adapters/memory/memory-repository.js";
import { InputError } from "../errors.js";
import { parsePlatform, serialize, type PlatformDocument } from "../model.js";
import type { DesiredStateRepository } from "../ports/desired-state-repository.js";
import { projectsOnPlatform } from "../projects/argocd-bootstrap.js";
import { renderArgoBootstrap } from "../render/argocd.js";
import { createCrdValidator, type CrdValidator } from "../render/crd-validate.js";
import type { Writer } from "../repository/writer.js";
import { createFakeClock } from "../testing/fake-clock.js";
import { fromYaml } from "../yaml.js";
import { labAlertsChanges, labsAt, renderLabVmRules, repairLabAlerts, vmalertRulesFile, type LabAlertsInput } from "./vmrule.js";

const community = (name: string): PlatformDocument =>
  parsePlatform(readFileSync(`examples/community/platforms/${name}.yaml`, "utf8"), `examples/community/platforms/${name}.yaml`);
const withRules = (platform: PlatformDocument, rulesNamespace = "victoria-metrics"): PlatformDocument => ({
  ...platform,
  spec: { ...platform.spec, metrics: { url: "https://vm.example.org/prometheus", ...platform.spec.metrics, rulesNamespace } },
});

const LABS: LabAlertsInput[] = [
  { name: "imb", projects: ["imb-genomics", "imb-atlas"], rules: { "restart-loop": { enabled: false }, "volume-full": { threshold: 0.95 } } },
  { name: "ljk", projects: ["ljk-stats"] },
  { name: "empty", projects: [] },
];

let crds: CrdValidator;
beforeAll(async () => {
  crds = createCrdValidator(await loadCrds("schemas"));
});

describe("the labs' VMRules", () => {
  it("are one per lab with projects, valid against the VictoriaMetrics operator's CRD on every community cluster platform", () => {
    for (const name of ["plmapps", "plmopp", "plmshift", "plmvshift"]) {
      const platform = withRules(community(name));
      const objects = renderLabVmRules(platform, LABS);
      if (platform.spec.engine !== "argocd") {
        expect(objects).toEqual([]);
        continue;
      }
      expect(objects.map((object) => `${object.metadata.namespace}/${object.metadata.name}`)).toEqual([
        "victoria-metrics/plateau-lab-imb",
        "victoria-metrics/plateau-lab-ljk",
      ]);
      expect(() => crds.validate(objects)).not.toThrow();
      const changes = labAlertsChanges(platform, LABS, crds);
      expect(changes.map((change) => change.path)).toEqual([
        `rendered/${name}/_alerts`,
        `rendered/${name}/_alerts/vmrule-plateau-lab-imb.yaml`,
        `rendered/${name}/_alerts/vmrule-plateau-lab-ljk.yaml`,
      ]);
    }
  });

  it("would be refused by the CRD if a rule lost its expression (the validation can fail)", () => {
    const [object] = renderLabVmRules(withRules(community("plmshift")), LABS);
    const broken = structuredClone(object) as unknown as { spec: { groups: { rules: Record<string, unknown>[] }[] } };
    broken.spec.groups[0]!.rules[0]!.expr = 42;
    expect(() => crds.validate([broken as never])).toThrow(InputError);
  });

  it("are the same bytes whatever the order of labs and projects", () => {
    const platform = withRules(community("plmshift"));
    const reversed = [...LABS].reverse().map((lab) => ({ ...lab, projects: [...lab.projects].reverse() }));
    expect(labAlertsChanges(platform, reversed, crds)).toEqual(labAlertsChanges(platform, LABS, crds));
  });

  it("are none on a platform that names no rules namespace", () => {
    expect(renderLabVmRules(community("plmshift"), LABS)).toEqual([]);
  });

  it("are applied by Argo CD through Plateau's AppProject, which allows VMRules in the rules namespace only", () => {
    const platform = withRules(community("plmshift"), "vm-rules");
    const argocd = {
      namespace: "openshift-gitops",
      repoURL: "https://git.example.org/d.git",
      targetRevision: "main",
      destinationServer: "https://kubernetes.default.svc",
    };
    const objects = renderArgoBootstrap({ platform, argocd, projects: ["imb-atlas"] });
    const operator = objects.find((object) => object.kind === "AppProject" && object.metadata.name === "plateau") as unknown as {
      spec: { destinations: { namespace?: string }[]; namespaceResourceWhitelist: { group: string; kind: string }[] };
    };
    expect(operator.spec.destinations.map((destination) => destination.namespace)).toContain("vm-rules");
    expect(operator.spec.namespaceResourceWhitelist).toContainEqual({ group: "operator.victoriametrics.com", kind: "VMRule" });
    const application = objects.find((object) => object.metadata.name === "plateau-lab-alerts") as unknown as { spec: { source: { path: string } } };
    expect(application.spec.source.path).toBe("rendered/plmshift/_alerts");
    const without = renderArgoBootstrap({ platform: community("plmshift"), argocd, projects: ["imb-atlas"] });
    expect(without.some((object) => object.metadata.name === "plateau-lab-alerts")).toBe(false);
  });
});

describe("the local platform's rules file", () => {
  it("holds the same groups, as vmalert reads them", () => {
    const file = fromYaml(vmalertRulesFile(LABS, { namespace: "namespace", pod: "pod" }), "rules.yaml") as { groups: { name: string; rules: unknown[] }[] };
    expect(file.groups.map((group) => [group.name, group.rules.length])).toEqual([
      ["plateau-lab-imb", 4],
      ["plateau-lab-ljk", 5],
    ]);
  });
});

describe("repairing the labs' alerts", () => {
  const author = { name: "Plateau", email: "plateau@example.org" };
  const writerOf = (repo: DesiredStateRepository): Writer => ({
    async write(prepare) {
      const head = await repo.head();
      const prepared = await prepare(head);
      return { commit: prepared.commit ? await repo.commit({ ...prepared.commit, parent: head }) : null, result: prepared.result };
    },
  });

  it("commits the VMRules once, from the labs' files and projects, and nothing when they are already right", async () => {
    const repo = createMemoryRepository({ clock: createFakeClock(new Date("2026-12-01T00:00:00Z")) });
    const project = (name: string, lab: string) =>
      `apiVersion: plateau.io/v1\nkind: Project\nmetadata: { name: ${name}, createdAt: "2026-01-01T00:00:00Z", createdBy: alice }\nspec: { title: ${name}, lab: ${lab} }\n`;
    await repo.commit({
      parent: null,
      author,
      message: "seed",
      trailers: {},
      changes: [
        { path: "platforms/plmshift.yaml", content: serialize(withRules(community("plmshift"))) },
        {
          path: "labs/imb.yaml",
          content:
            "apiVersion: plateau.io/v1\nkind: Lab\nmetadata: { name: imb }\nspec:\n  title: IMB\n  alerts: { rules: { restart-loop: { enabled: false } } }\n",
        },
        { path: "projects/imb-atlas/project.yaml", content: project("imb-atlas", "imb") },
        { path: "projects/ljk-stats/project.yaml", content: project("ljk-stats", "ljk") },
        { path: "rendered/plmshift/imb-atlas/_project/namespace-imb-atlas.yaml", content: "{}\n" },
      ],
    });
    const head = await repo.head();
    expect(await labsAt(repo, head!)).toEqual([
      { name: "imb", projects: ["imb-atlas"], rules: { "restart-loop": { enabled: false } } },
      { name: "ljk", projects: ["ljk-stats"] },
    ]);
    const writer = writerOf(repo);
    const commit = await repairLabAlerts({ repo, writer, author, crds });
    expect(commit).not.toBeNull();
    const files = (await repo.listDirectory(commit!, "rendered/plmshift/_alerts")).map((entry) => entry.name);
    expect(files).toEqual(["vmrule-plateau-lab-imb.yaml", "vmrule-plateau-lab-ljk.yaml"]);
    const [log] = await repo.log({ limit: 1 });
    expect(log?.trailers).toMatchObject({ "Plateau-Action": "render-lab-alerts", "Plateau-Platform": "plmshift" });
    // `_alerts` is no project of the platform (no AppProject `plateau-_alerts`).
    expect(await projectsOnPlatform(repo, commit!, "plmshift")).toEqual(["imb-atlas"]);
    expect(await repairLabAlerts({ repo, writer, author, crds })).toBeNull();
  });
});
