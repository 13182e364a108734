// What the crash tests share (test/e2e/crash.test.ts, replicas.test.ts): a stream of launches,
// stops and removals drawn at random, and the check that podman runs exactly what the
// repository renders.
import { randomUUID } from "node:crypto";
import { run } from "../../src/adapters/process.js";
import { TEST_IMAGE } from "./podman.js";
import { git } from "./server.js";

export interface Operation {
  readonly method: "POST" | "DELETE";
  readonly path: string;
  readonly body?: unknown;
  readonly key: string;
  readonly name: string;
}

/**
 * One operation on `project` given its instances: a launch while there are few, a removal or a
 * stop/start while there are many. Half the launches let Plateau name the instance: only the
 * idempotency key then keeps a retried launch from creating a second instance.
 */
export function randomOperation(
  project: string,
  instances: readonly { readonly name: string; readonly state: string }[],
  next: () => number,
  newName: () => string,
): Operation {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const choice = instances.length < 2 ? 0 : instances.length > 6 ? 1 + Math.floor(next() * 2) : Math.floor(next() * 3);
  if (choice === 0) {
    const name = next() < 0.5 ? newName() : undefined;
    const body = { template: "static-site", values: { image: TEST_IMAGE }, ...(name ? { name } : {}) };
    return { method: "POST", path: `/projects/${project}/instances`, body, key: randomUUID(), name: name ?? "(generated)" };
  }
  if (choice === 1) {
    const { name } = pick(instances);
    return { method: "DELETE", path: `/projects/${project}/instances/${name}`, key: randomUUID(), name };
  }
  const { name, state } = pick(instances);
  return { method: "POST", path: `/projects/${project}/instances/${name}/${state === "running" ? "stop" : "start"}`, key: randomUUID(), name };
}

/** Waits until podman runs exactly the running instances of `project` at their rendered revision (git dir `repository`, branch main). */
export async function expectPodmanConverged(repository: string, project: string): Promise<void> {
  let problem = "";
  for (let attempt = 0; attempt < 300; attempt++) {
    const desired = new Map<string, string>();
    const listing = await git(repository, "ls-tree", "main", `rendered/local/${project}/`);
    for (const line of listing.split("\n").filter((l) => l.includes(" tree "))) {
      const [meta, path] = line.split("\t");
      const name = path?.split("/").at(-1) ?? "";
      if ((await git(repository, "show", `main:${path}/deployment-${name}.yaml`)).includes("replicas: 1")) desired.set(name, meta?.split(" ")[2] ?? "");
    }
    const pods = JSON.parse(
      (await run("podman", ["pod", "ps", "--filter", `label=plateau.io/project=${project}`, "--format", "json"])).stdout.toString() || "[]",
    ) as { Status: string; Labels: Record<string, string> }[];
    const running = new Map(
      pods.filter((pod) => pod.Status === "Running").map((pod) => [pod.Labels["plateau.io/instance"] ?? "", pod.Labels["plateau.io/hash"] ?? ""]),
    );
    problem = pods.length !== running.size ? `pods not running: ${JSON.stringify(pods.map((p) => p.Status))}` : "";
    if (!problem && JSON.stringify([...running].sort()) === JSON.stringify([...desired].sort())) return;
    problem ||= `running ${JSON.stringify([...running.keys()].sort())} but rendered ${JSON.stringify([...desired.keys()].sort())}`;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`podman did not converge to the repository: ${problem}`);
}
