// A project's hardened namespace follows it onto cluster platforms: rendered at its first
// launch there, re-rendered in the same commit as any change of its members or quota, and
// never on the local podman platform (which enforces none of it) nor taken for an instance.
import { describe, expect, it } from "vitest";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { clusterPlatform, memoryPlateau } from "../support/plateau.js";
import { renderedProjectBundleDir } from "../../src/core/repository/layout.js";

const cluster = clusterPlatform({ title: "PLMshift" });
const alice = { login: "alice", name: "alice", email: "alice@users.plateau.invalid" };

async function plateau() {
  const engine = createMemoryEngine();
  const composed = await memoryPlateau(
    {
      engines: new Map([
        ["podman", createMemoryEngine()],
        ["argocd", engine],
      ]),
    },
    [cluster],
  );
  await composed.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
  return composed;
}

const files = async (repo: Awaited<ReturnType<typeof plateau>>["repo"], dir: string) => {
  const head = await repo.head();
  return head ? (await repo.listDirectory(head, dir)).map((entry) => entry.name) : [];
};

describe("the project bundle on cluster platforms", () => {
  it("is rendered with the project's first launch on a cluster, and not on the local platform", async () => {
    const { plateau: p, repo } = await plateau();
    await p.services.instances.launch({ template: "static-site", project: "demo", name: "local-site", platform: "local" }, alice);
    expect(await files(repo, renderedProjectBundleDir("local", "demo"))).toEqual([]);
    await p.services.instances.launch({ template: "static-site", project: "demo", name: "site", platform: "plmshift" }, alice);
    expect(await files(repo, renderedProjectBundleDir("plmshift", "demo"))).toEqual(
      expect.arrayContaining(["namespace-demo.yaml", "resourcequota-plateau-quota.yaml", "limitrange-plateau-limits.yaml", "networkpolicy-default-deny.yaml"]),
    );
    const head = (await repo.head()) ?? "";
    const quota = await repo.readFile(head, `${renderedProjectBundleDir("plmshift", "demo")}/resourcequota-plateau-quota.yaml`);
    expect(quota).toContain('requests.cpu: "8"');
    // A second launch does not touch it.
    const before = await repo.hashOf(head, renderedProjectBundleDir("plmshift", "demo"));
    await p.services.instances.launch({ template: "static-site", project: "demo", name: "other", platform: "plmshift" }, alice);
    expect(await repo.hashOf((await repo.head()) ?? "", renderedProjectBundleDir("plmshift", "demo"))).toBe(before);
  });

  it("follows changes of members and quota in the same commit", async () => {
    const { plateau: p, repo } = await plateau();
    await p.services.instances.launch({ template: "static-site", project: "demo", name: "site", platform: "plmshift" }, alice);
    const dir = renderedProjectBundleDir("plmshift", "demo");
    const { commit } = await p.services.projects.setMembers(
      "demo",
      [
        { login: "alice", role: "owner" },
        { group: "lab:imb", role: "viewer" },
      ],
      alice,
    );
    expect(commit).not.toBeNull();
    const changed = (await repo.changedPaths(null, commit ?? "", dir)).map((change) => change.path);
    expect(changed.some((path) => path.includes("rolebinding-plateau-viewer-"))).toBe(true);
    await p.services.projects.setQuota("demo", { cpu: 3 }, alice);
    const head = (await repo.head()) ?? "";
    expect(await repo.readFile(head, `${dir}/resourcequota-plateau-quota.yaml`)).toContain('requests.cpu: "3"');
  });

  it("lets Argo CD's repo-server get the project's Secrets where the platform has Argo CD, validated before the commit (ADR 0022)", async () => {
    const withArgo = clusterPlatform({
      title: "PLMshift",
      argocd: {
        url: "https://argocd.example.org",
        namespace: "openshift-gitops",
        repoURL: "https://git.example.org/ds.git",
        repoServerServiceAccount: "openshift-gitops-repo-server",
      },
    });
    const composed = await memoryPlateau(
      {
        engines: new Map([
          ["podman", createMemoryEngine()],
          ["argocd", createMemoryEngine()],
        ]),
      },
      [withArgo],
    );
    await composed.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
    await composed.plateau.services.instances.launch({ template: "static-site", project: "demo", name: "site", platform: "plmshift" }, alice);
    const dir = renderedProjectBundleDir("plmshift", "demo");
    expect(await files(composed.repo, dir)).toEqual(
      expect.arrayContaining(["role-plateau-argocd-secret-reader.yaml", "rolebinding-plateau-argocd-secret-reader.yaml"]),
    );
    const head = (await composed.repo.head()) ?? "";
    const binding = await composed.repo.readFile(head, `${dir}/rolebinding-plateau-argocd-secret-reader.yaml`);
    expect(binding).toContain("name: openshift-gitops-repo-server");
    expect(binding).toContain("namespace: openshift-gitops");
    // Without Argo CD settings (the plateau() platform above) there is no such grant.
    const { plateau: p, repo } = await plateau();
    await p.services.instances.launch({ template: "static-site", project: "demo", name: "site", platform: "plmshift" }, alice);
    expect(await files(repo, renderedProjectBundleDir("plmshift", "demo"))).not.toContain("role-plateau-argocd-secret-reader.yaml");
  });

  it("is not taken for an instance by the cluster's reconciler", async () => {
    const { plateau: p } = await plateau();
    await p.services.instances.launch({ template: "static-site", project: "demo", name: "site", platform: "plmshift" }, alice);
    const reconciler = p.reconcilers.get("plmshift");
    await reconciler?.reconcileOnce();
    expect((await p.services.instances.list({ project: "demo" })).map((instance) => instance.name)).toEqual(["site"]);
    expect(await p.services.instances.observed("demo", "site")).toMatchObject({ phase: "running" });
    await expect(p.services.instances.observed("demo", "_project")).rejects.toThrow();
  });
});
