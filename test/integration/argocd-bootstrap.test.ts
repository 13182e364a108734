// The Argo CD bootstrap of a cluster platform lives in git beside what it deploys: a project's
// AppProject arrives in the same commit as its namespace, and a bootstrap that differs from
// what the platform's settings say (an operator's merge, a crash) is rendered again by one commit.
import { describe, expect, it } from "vitest";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { serialize, type PlatformDocument } from "../../src/core/model.js";
import { fromYaml } from "../../src/core/yaml.js";
import { createCrdValidator } from "../../src/core/render/crd-validate.js";
import { validateObjects } from "../../src/core/render/validate.js";
import type { KubeObject } from "../../src/core/render/kube.js";
import { platformPath, renderedArgoDir } from "../../src/core/repository/layout.js";
import { alice, clusterPlatform, memoryPlateau, testCrds } from "../support/plateau.js";

const cluster = clusterPlatform(
  {
    title: "PLMapps",
    infrastructure: { type: "openstack", provider: "example" },
    site: "paris",
    flavour: "kubernetes",
    domain: "apps.example.org",
    argocd: { url: "https://argocd.example.org", namespace: "argocd", repoURL: "https://git.example.org/desired-state.git" },
  },
  "plmapps",
);

async function plateau() {
  const composed = await memoryPlateau(
    {
      engines: new Map([
        ["podman", createMemoryEngine()],
        ["argocd", createMemoryEngine()],
      ]),
    },
    [cluster],
  );
  await composed.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
  await composed.plateau.services.projects.create({ name: "genomics", lab: "imb" }, alice);
  return composed;
}

type Repo = Awaited<ReturnType<typeof plateau>>["repo"];

async function bootstrapObjects(repo: Repo): Promise<KubeObject[]> {
  const head = (await repo.head()) ?? "";
  const dir = renderedArgoDir("plmapps");
  const objects: KubeObject[] = [];
  for (const entry of await repo.listDirectory(head, dir)) {
    objects.push(fromYaml(((await repo.readFile(head, `${dir}/${entry.name}`)) ?? "") as string, entry.name) as KubeObject);
  }
  return objects;
}

const appProjects = (objects: KubeObject[]) =>
  objects
    .filter((o) => o.kind === "AppProject")
    .map((o) => o.metadata.name)
    .sort();

describe("the Argo CD bootstrap in the desired-state repository", () => {
  it("is there from the start, gains a project's AppProject with its first launch on the platform, in the same commit, and is valid against the real CRDs", async () => {
    const { plateau: p, repo } = await plateau();
    // From the start: what an operator applies once (plateau-bootstrap), with no project yet.
    expect(appProjects(await bootstrapObjects(repo))).toEqual(["plateau"]);
    const first = await p.services.instances.launch({ template: "static-site", project: "demo", name: "site", platform: "plmapps" }, alice);
    const changed = (await repo.changedPaths(null, first.commit ?? "", renderedArgoDir("plmapps"))).map((change) => change.path);
    expect(changed).toContain(`${renderedArgoDir("plmapps")}/appproject-plateau-demo.yaml`);
    let objects = await bootstrapObjects(repo);
    expect(appProjects(objects)).toEqual(["plateau", "plateau-demo"]);
    const crds = createCrdValidator(await testCrds());
    crds.validate(objects.filter((object) => object.apiVersion.startsWith("argoproj.io/")));
    // The rest is the secrets plugin's ConfigMaps (ADR 0022), Kubernetes' own kind.
    validateObjects(objects, crds);
    expect(objects.filter((object) => !object.apiVersion.startsWith("argoproj.io/")).map((object) => object.kind)).toEqual(["ConfigMap", "ConfigMap"]);

    await p.services.instances.launch({ template: "static-site", project: "genomics", name: "site", platform: "plmapps" }, alice);
    objects = await bootstrapObjects(repo);
    expect(appProjects(objects)).toEqual(["plateau", "plateau-demo", "plateau-genomics"]);
    // A second instance of a project already there changes nothing of it.
    const head = (await repo.head()) ?? "";
    const before = await repo.hashOf(head, renderedArgoDir("plmapps"));
    await p.services.instances.launch({ template: "static-site", project: "demo", name: "other", platform: "plmapps" }, alice);
    expect(await repo.hashOf((await repo.head()) ?? "", renderedArgoDir("plmapps"))).toBe(before);
    // Nothing of the kind on the local platform.
    await p.services.instances.launch({ template: "static-site", project: "demo", name: "here", platform: "local" }, alice);
    expect(await repo.listDirectory((await repo.head()) ?? "", renderedArgoDir("local"))).toEqual([]);
  });

  it("is rendered again by one commit when the platform's settings change (an operator's merge), and not otherwise", async () => {
    const { plateau: p, repo } = await plateau();
    await p.services.instances.launch({ template: "static-site", project: "demo", name: "site", platform: "plmapps" }, alice);
    await p.refresh();
    const settled = await repo.head();
    await p.refresh();
    expect(await repo.head()).toBe(settled);

    // An operator moves Argo CD to another namespace, by a commit of their own.
    const moved: PlatformDocument = { ...cluster, spec: { ...cluster.spec, argocd: { ...cluster.spec.argocd!, namespace: "openshift-gitops" } } };
    await repo.commit({
      parent: settled,
      author: { name: "oscar", email: "oscar@users.plateau.invalid" },
      message: "move Argo CD",
      trailers: {},
      changes: [{ path: platformPath("plmapps"), content: serialize(moved) }],
    });
    await p.refresh();
    const objects = await bootstrapObjects(repo);
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(["openshift-gitops"]));
    const [repair] = await repo.log({ limit: 1 });
    expect(repair?.trailers["Plateau-Action"]).toBe("render-bootstrap");
    expect(repair?.author.name).toBe("Plateau");
  });

  it("repairs a bootstrap file deleted or edited by hand", async () => {
    const { plateau: p, repo } = await plateau();
    await p.services.instances.launch({ template: "static-site", project: "demo", name: "site", platform: "plmapps" }, alice);
    const head = (await repo.head()) ?? "";
    const wanted = await repo.hashOf(head, renderedArgoDir("plmapps"));
    await repo.commit({
      parent: head,
      author: { name: "oscar", email: "oscar@users.plateau.invalid" },
      message: "oops",
      trailers: {},
      changes: [
        { path: `${renderedArgoDir("plmapps")}/appproject-plateau-demo.yaml`, remove: true },
        { path: `${renderedArgoDir("plmapps")}/stray.yaml`, content: "kind: ConfigMap\n" },
      ],
    });
    await p.refresh();
    expect(await repo.hashOf((await repo.head()) ?? "", renderedArgoDir("plmapps"))).toBe(wanted);
  });

  it("refuses the project name argocd, which is the bootstrap's directory", async () => {
    const { plateau: p } = await plateau();
    await expect(p.services.projects.create({ name: "argocd", lab: "imb" }, alice)).rejects.toMatchObject({ issues: [{ rule: "reserved" }] });
  });

  it("refuses the project name velero, Velero's namespace: its members would be admins where its S3 keys and Restores live (ADR 0034)", async () => {
    const { plateau: p } = await plateau();
    await expect(p.services.projects.create({ name: "velero", lab: "imb" }, alice)).rejects.toMatchObject({ issues: [{ rule: "reserved" }] });
  });
});
