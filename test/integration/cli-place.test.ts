// `plateau place` of a Helm chart and what it says of quotas, in this process against an API
// server over a real HTTP chart repository: a chart id is placed as `plateau launch` places
// it, and a GPU chart under the default quotas (no GPU for a lab project) says what it needs,
// which quota refuses it and the command that raises it, before anyone launches.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { helmAdapters, ideCatalog } from "../support/helm-plateau.js";
import { memoryApp, type Person } from "../support/app.js";
import { startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { clusterPlatform } from "../support/plateau.js";

let repository: ChartRepositoryServer;
let fixture: Awaited<ReturnType<typeof memoryApp>>;
let server: string;

beforeAll(async () => {
  repository = await startChartRepository();
  fixture = await memoryApp({
    adapters: helmAdapters([ideCatalog(repository.location, "Interactive services")]),
    platforms: [
      clusterPlatform({
        pools: [
          { name: "general", nodes: 4, cpu: 32, memoryGiB: 128 },
          { name: "gpu", nodes: 1, cpu: 32, memoryGiB: 256, gpu: { count: 4, type: "nvidia-a100" } },
        ],
        argocd: { url: "https://argocd.example.org", namespace: "openshift-gitops", repoURL: "https://git.example.org/desired-state.git" },
      }),
    ],
  });
  server = await fixture.app.listen({ host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await fixture?.app.close();
  await fixture?.plateau.stop();
  await repository?.close();
});

const plateau = async (who: Person, ...args: string[]) => runCli(server, await fixture.tokenOf(who), ...args);

describe("plateau place <catalog>/<chart>", () => {
  it("places a chart as a launch would, on the platform that runs Helm charts", async () => {
    const placed = await plateau("alice", "place", "ide/jupyter-python", "--project", "demo");
    expect(placed.stderr).toBe("");
    expect(placed.code).toBe(0);
    expect(placed.stdout).toMatch(/^ide\/jupyter-python in demo would run on plmshift: /);
    expect(placed.stdout).toMatch(/^\s+local\s+excluded\s+runs no Helm charts/m);
    expect(placed.stdout).not.toContain("A launch would be refused");
    expect(placed.stdout).toContain("Its pod would land on the pool general, with the node selector none and the tolerations none.");
    // On a terminal, each step that may take a while says what it does, and is cleared once done.
    expect(placed.progress).toEqual(["Reading the values of ide/jupyter-python…", undefined, "Placing ide/jupyter-python in demo…", undefined]);
    // The version asked is the one placed; one the catalog does not offer is named.
    const unknown = await plateau("alice", "place", "ide/jupyter-python", "--project", "demo", "--version", "0.0.0-nope");
    expect(unknown).toMatchObject({ code: 2, stdout: "" });
    expect(unknown.stderr).toMatch(/^plateau: \/version: version 0\.0\.0-nope of ide\/jupyter-python is not offered \(/);
    expect((await plateau("alice", "launch", "ide/jupyter-python", "--project", "demo", "--version", "0.0.0-nope")).stderr).toMatch(/is not offered/);
    // The program's own options still come first.
    expect((await plateau("alice", "--version")).stdout).toBe("test\n");
  });

  it("names what a GPU chart needs and the quota that refuses it, and exits as the launch would", async () => {
    const blocked = await plateau("alice", "place", "ide/jupyter-pytorch-gpu", "--project", "demo");
    expect(blocked.code).toBe(6);
    expect(blocked.stdout).toMatch(/would run on plmshift/);
    expect(blocked.stdout).toMatch(
      /^A launch would be refused: it needs \d+(\.\d+)? CPU, \d+(\.\d+)? GiB of memory, 1 GPU, \d+ GiB of storage; project demo has 0 GPU \(0 in use\) and this launch needs 1 more: a lab admin can raise it with `plateau projects quota demo --gpu 1`\.$/m,
    );
    // The API says the same as a code with its values, for the portal to word.
    const json = await plateau("alice", "place", "ide/jupyter-pytorch-gpu", "--project", "demo", "--json");
    expect(json.code).toBe(6);
    expect(JSON.parse(json.stdout)).toMatchObject({
      asks: { gpu: 1 },
      quota: {
        code: "project-quota",
        params: { scope: "project", name: "demo", resource: "gpu", unit: "GPU", asked: 1, used: 0, limit: 0, needed: 1, option: "gpu" },
      },
    });
    // The launch itself is refused by that quota: place said so beforehand.
    const launched = await plateau("alice", "launch", "ide/jupyter-pytorch-gpu", "--project", "demo");
    expect(launched.code).toBe(6);
    expect(launched.stderr).toContain("project demo quota exceeded for gpu");
  });

  it("lets a lab admin raise it with the command named, after which the chart fits", async () => {
    expect((await plateau("alice", "projects", "quota", "demo", "--gpu", "1")).code).toBe(5);
    const raised = await plateau("ines", "projects", "quota", "demo", "--gpu", "1");
    expect(raised.stderr).toBe("");
    expect(raised.stdout).toMatch(/^✓ demo's quota: gpu 1 \(commit [0-9a-f]{7}\)$/);
    expect((await plateau("ines", "projects", "quota", "demo")).stdout).toMatch(/^demo: 0\/8 CPU, 0\/32 GiB of memory, 0\/1 GPU, 0\/20 instances/);
    expect((await plateau("ines", "projects", "quota", "demo", "--gpu", "1.5")).stderr).toBe('plateau: --gpu must be a whole number of at least 0, got "1.5"');

    const fits = await plateau("alice", "place", "ide/jupyter-pytorch-gpu", "--project", "demo");
    expect(fits.stdout).not.toContain("A launch would be refused");
    // The pool its pod lands on (the GPU one, which declares no labels nor taints here).
    expect(fits.stdout).toContain("Its pod would land on the pool gpu (4 × nvidia-a100 per node), with the node selector none and the tolerations none.");
    expect(fits.code).toBe(0);
    expect(JSON.parse((await plateau("alice", "place", "ide/jupyter-pytorch-gpu", "--project", "demo", "--json")).stdout).quota).toBeNull();
  });

  it("shows an example with a chart id in its help", async () => {
    const help = await plateau("alice", "place", "--help");
    expect(help.stdout).toContain("plateau place ide/jupyter-pytorch-gpu");
    expect(help.stdout).toContain("<catalog>/<chart>");
  });
});
