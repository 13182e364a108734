// Tenants on one machine, with real podman: projects on networks of their own, and two
// Plateaus sharing one podman store without touching each other's pods, volumes or networks.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../core/ports/logger.js";
import type { ApplyOptions, DesiredUnit, Engine } from "../../core/ports/engine.js";
import { cleanPodmanProject, httpGet, podmanUnavailable } from "../../../test/support/podman.js";
import { memoryPlateau } from "../../../test/support/plateau.js";
import { testWebObjects } from "../../../test/support/test-web.js";
import { run } from "../process.js";
import { createPodmanEngine } from "./podman-engine.js";

const unavailable = await podmanUnavailable();
const PROJECTS = ["ten-a", "ten-b", "ten-shared", "ten-old"];

interface PodJson {
  Name: string;
  Status: string;
  Labels?: Record<string, string>;
  InfraId?: string;
  Containers?: { Id: string; Names: string }[];
}

async function podOf(project: string, instance: string, installation?: string): Promise<PodJson | undefined> {
  const pods = JSON.parse((await run("podman", ["pod", "ps", "--format", "json"])).stdout.toString() || "[]") as PodJson[];
  return pods.find(
    (pod) =>
      pod.Labels?.["plateau.io/project"] === project &&
      pod.Labels["plateau.io/instance"] === instance &&
      (installation === undefined || pod.Labels["plateau.io/installation"] === installation),
  );
}

async function podAddress(project: string, instance: string): Promise<{ ip: string; gateway: string }> {
  const pod = await podOf(project, instance);
  if (!pod?.InfraId) throw new Error(`no pod for ${project}/${instance}`);
  const format = "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.Gateway}}{{end}}";
  const [ip = "", gateway = ""] = (await run("podman", ["inspect", "--format", format, pod.InfraId])).stdout.toString().trim().split(" ");
  return { ip, gateway };
}

/** Whether the `main` container of a pod gets an HTTP answer from host:port (busybox nc, 3 s). */
async function reaches(from: { project: string; instance: string }, host: string, port: number): Promise<boolean> {
  const pod = await podOf(from.project, from.instance);
  const container = pod?.Containers?.find((candidate) => candidate.Names.endsWith("-main"))?.Names;
  if (!container) throw new Error(`no main container in ${from.project}/${from.instance}`);
  const script = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | /bin/busybox timeout 5 /bin/busybox nc -w 3 ${host} ${port}`;
  const result = await run("podman", ["exec", container, "/bin/busybox", "sh", "-c", script]);
  return result.stdout.toString().includes(" 200 OK");
}

const exists = async (kind: "volume" | "network", name: string) => (await run("podman", [kind, "exists", name])).code === 0;
const labelled = async (kind: "volume" | "network", project: string): Promise<string[]> => {
  const listed = await run("podman", [kind, "ls", "--format", "json"]);
  const items = JSON.parse(listed.stdout.toString() || "[]") as {
    Name?: string;
    name?: string;
    Labels?: Record<string, string>;
    labels?: Record<string, string>;
  }[];
  return items.filter((item) => (item.Labels ?? item.labels)?.["plateau.io/project"] === project).map((item) => (item.Name ?? item.name) as string);
};

const unit = (project: string, instance: string, hash: string, marker: string): DesiredUnit => ({
  project,
  instance,
  hash,
  objects: testWebObjects(project, instance, { marker }),
});
const options: ApplyOptions = { secrets: {}, progress: () => {} };

describe.skipIf(unavailable)("podman engine: tenants on one machine", () => {
  const dirs: string[] = [];
  const engine = async (installation: string): Promise<{ engine: Engine; runtimeDir: string }> => {
    const runtimeDir = await mkdtemp(join(tmpdir(), "plateau-tenancy-"));
    dirs.push(runtimeDir);
    return {
      engine: createPodmanEngine({ runtimeDir, installation, stopTimeoutSeconds: 0, startupTimeoutMs: 30_000, networkSweepMs: 0, logger: silentLogger }),
      runtimeDir,
    };
  };
  const clean = async () => {
    for (const project of PROJECTS) await cleanPodmanProject(project);
  };

  beforeAll(clean);
  afterAll(async () => {
    await clean();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("keeps two Plateaus on one podman apart: the second's reconcile leaves the first's pods and volumes alone", async () => {
    const { engine: first } = await engine("ta11111111");
    const { engine: second } = await engine("tb22222222");
    const mine = await first.apply(unit("ten-shared", "web", "hash-first", "from-first"), options);
    const volumes = await labelled("volume", "ten-shared");
    expect(volumes.length).toBeGreaterThan(0);
    // The second Plateau has an instance of the same name: each runs its own.
    const theirs = await second.apply(unit("ten-shared", "web", "hash-second", "from-second"), options);
    expect(await httpGet(mine.endpoint as string)).toContain("from-first");
    expect(await httpGet(theirs.endpoint as string)).toContain("from-second");
    expect((await second.observe()).filter((observed) => observed.project === "ten-shared")).toMatchObject([{ instance: "web", hash: "hash-second" }]);

    // The second Plateau's repository has no such instance: its reconciler removes its own only.
    const { reconciler, plateau } = await memoryPlateau({ engines: new Map([["podman", second]]) });
    try {
      await reconciler.reconcileOnce();
      await reconciler.idle();
    } finally {
      await plateau.stop();
    }
    expect((await second.observe()).filter((observed) => observed.project === "ten-shared")).toEqual([]);
    expect(await httpGet(mine.endpoint as string)).toContain("from-first");
    expect((await first.observe()).find((observed) => observed.project === "ten-shared")).toMatchObject({ hash: "hash-first", phase: "running" });
    for (const volume of volumes) expect(await exists("volume", volume), volume).toBe(true);
  });

  it("gives each project a network of its own: another project's pod cannot connect, its own pods and the proxy can", async () => {
    const { engine: local } = await engine("tc33333333");
    const alice = await local.apply(unit("ten-a", "web", "hash-a", "alice"), options);
    await local.apply(unit("ten-a", "api", "hash-a2", "alice-api"), options);
    const bob = await local.apply(unit("ten-b", "web", "hash-b", "bob"), options);
    const aliceAddress = await podAddress("ten-a", "web");
    const bobAddress = await podAddress("ten-b", "web");
    expect(aliceAddress.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);

    // Within the project: the pod reaches its own components, and the project's other pods.
    expect(await reaches({ project: "ten-a", instance: "web" }, "127.0.0.1", 8080)).toBe(true);
    expect(await reaches({ project: "ten-a", instance: "web" }, "web", 8080)).toBe(true);
    expect(await reaches({ project: "ten-a", instance: "api" }, aliceAddress.ip, 8080)).toBe(true);
    // Across projects: neither directly, nor through the host's published port.
    expect(await reaches({ project: "ten-b", instance: "web" }, aliceAddress.ip, 8080)).toBe(false);
    expect(await reaches({ project: "ten-a", instance: "web" }, bobAddress.ip, 8080)).toBe(false);
    expect(await reaches({ project: "ten-b", instance: "web" }, bobAddress.gateway, Number((alice.endpoint as string).split(":")[1]))).toBe(false);
    // The proxy, on the host, reaches both at their published port, on loopback only.
    expect(alice.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await httpGet(alice.endpoint as string)).toContain("alice");
    expect(await httpGet(bob.endpoint as string)).toContain("bob");

    // The network goes once the project has no pod left (at the next look), not before.
    const networks = await labelled("network", "ten-a");
    expect(networks).toHaveLength(1);
    await local.stop("ten-a", "web");
    await local.observe();
    expect(await exists("network", networks[0] as string)).toBe(true);
    await local.remove("ten-a", "api");
    await local.remove("ten-a", "web");
    await local.observe();
    expect(await labelled("network", "ten-a")).toEqual([]);
    // …and comes back with its next one.
    const again = await local.apply(unit("ten-a", "web", "hash-a3", "alice-again"), options);
    expect(await httpGet(again.endpoint as string)).toContain("alice-again");
    expect(await labelled("network", "ten-a")).toHaveLength(1);
    // Removed behind the engine's back, it is made again.
    await local.remove("ten-a", "web");
    expect((await run("podman", ["network", "rm", networks[0] as string])).code).toBe(0);
    const once = await local.apply(unit("ten-a", "web", "hash-a4", "alice-once-more"), options);
    expect(await httpGet(once.endpoint as string)).toContain("alice-once-more");

    // A network left without pods goes at the next look (after a crash too); another installation's stays.
    const labels = (installation: string) => [
      "--label",
      "plateau.io/managed=true",
      "--label",
      `plateau.io/installation=${installation}`,
      "--label",
      "plateau.io/project=ten-b",
    ];
    expect((await run("podman", ["network", "create", ...labels("tg77777777"), "plateau-tg77777777.ten-b"])).code).toBe(0);
    expect((await run("podman", ["network", "create", ...labels("th88888888"), "plateau-th88888888.ten-b"])).code).toBe(0);
    const { engine: restarted } = await engine("tg77777777");
    await restarted.observe();
    expect(await exists("network", "plateau-tg77777777.ten-b")).toBe(false);
    expect(await exists("network", "plateau-th88888888.ten-b")).toBe(true);
  });

  it("never removes what an older Plateau left without an installation id, and adopts only what it can prove is its own", async () => {
    const legacyLabels = ["--label", "plateau.io/managed=true", "--label", "plateau.io/project=ten-old", "--label", "plateau.io/instance=web"];
    const legacy = async () => {
      expect((await run("podman", ["volume", "create", ...legacyLabels, "plateau.ten-old.web-data"])).code).toBe(0);
      const mountpoint = (await run("podman", ["volume", "inspect", "--format", "{{.Mountpoint}}", "plateau.ten-old.web-data"])).stdout.toString().trim();
      await writeFile(join(mountpoint, "kept.txt"), "legacy data\n");
      expect((await run("podman", ["pod", "create", ...legacyLabels, "--label", "plateau.io/hash=old", "--name", "plateau.ten-old.web"])).code).toBe(0);
      expect((await run("podman", ["pod", "start", "plateau.ten-old.web"])).code).toBe(0);
    };
    await legacy();

    // A Plateau that never ran it: its reconcile (an empty repository) and its launch of an
    // instance of the same name leave the older pod and its data alone.
    const { engine: stranger } = await engine("td44444444");
    expect((await stranger.observe()).filter((observed) => observed.project === "ten-old")).toEqual([]);
    const { reconciler, plateau } = await memoryPlateau({ engines: new Map([["podman", stranger]]) });
    try {
      await reconciler.reconcileOnce();
      await reconciler.idle();
    } finally {
      await plateau.stop();
    }
    await stranger.apply(unit("ten-old", "web", "hash-new", "stranger"), options);
    expect((await podOf("ten-old", "web", undefined))?.Name).toBeDefined();
    expect((await run("podman", ["pod", "exists", "plateau.ten-old.web"])).code).toBe(0);
    expect(await exists("volume", "plateau.ten-old.web-data")).toBe(true);
    await stranger.remove("ten-old", "web");
    expect((await run("podman", ["pod", "exists", "plateau.ten-old.web"])).code).toBe(0);
    expect(await exists("volume", "plateau.ten-old.web-data")).toBe(true);

    // The Plateau whose data directory holds the pod file it played: it replaces the older pod
    // by its own (on the project's network) and keeps using the older volume, data included.
    const { engine: owner, runtimeDir } = await engine("te55555555");
    await mkdir(runtimeDir, { recursive: true });
    await writeFile(join(runtimeDir, "plateau.ten-old.web.yaml"), "# written by an older Plateau\n");
    const adopted = await owner.apply(unit("ten-old", "web", "hash-adopted", "owner"), options);
    expect(await httpGet(adopted.endpoint as string)).toContain("owner");
    expect((await run("podman", ["pod", "exists", "plateau.ten-old.web"])).code).toBe(1);
    const pod = await podOf("ten-old", "web", "te55555555");
    const main = pod?.Containers?.find((candidate) => candidate.Names.endsWith("-main"))?.Names as string;
    expect((await run("podman", ["exec", main, "/bin/busybox", "cat", "/data/kept.txt"])).stdout.toString()).toBe("legacy data\n");
    // Removing the instance keeps the older volume (another Plateau may have used it too).
    await owner.remove("ten-old", "web");
    expect(await podOf("ten-old", "web", "te55555555")).toBeUndefined();
    expect(await exists("volume", "plateau.ten-old.web-data")).toBe(true);
  });
});

if (unavailable) describe.skip(`podman engine: tenants on one machine (${unavailable})`, () => it("needs podman", () => {}));
