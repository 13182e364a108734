// A drill on the local platform with the real podman engine and the real podman volume backups
// on a real Ceph RGW (ADR 0034): the original runs and writes a page to its volume, a backup
// whose takenAt the test arranged is taken, the page changes, and the drill starts a copy in a
// drill-… scratch project, on that project's own network, which serves the page as backed up
// (its volume restored from the archive) over real HTTP, but is reachable by no one through
// Plateau's proxy (404, even for an operator); RPO is the arranged age at the drill's start,
// RTO > 0 and within the wall time measured around the drill; the copies are gone afterwards
// (pods, volumes); a killed drill's leftover is removed at the next drill's start.
import { request } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpProbe } from "../../src/adapters/http-probe.js";
import { createStaticCatalog } from "../../src/adapters/catalog/file-catalog.js";
import { createPodmanEngine } from "../../src/adapters/podman/podman-engine.js";
import { createPodmanVolumeBackups } from "../../src/adapters/podman/volume-backups.js";
import { createS3Client } from "../../src/adapters/s3/client.js";
import { checkTemplate } from "../../src/core/catalog/template.js";
import { run } from "../../src/adapters/process.js";
import { parseProject, serialize } from "../../src/core/model.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { isDrillProject } from "../../src/core/recovery/drill-plan.js";
import { projectPath } from "../../src/core/repository/layout.js";
import { memoryApp } from "../support/app.js";
import { startCephRgw, type CephRgwStart } from "../support/ceph-rgw.js";
import { builtInTemplates } from "../support/plateau.js";
import { cleanPodmanProject, podmanUnavailable, TEST_IMAGE } from "../support/podman.js";
import { testWebObjects } from "../support/test-web.js";

const unavailable = await podmanUnavailable();
const LEFTOVER = "drill-local-dead00";
const INSTALLATION = "drill1";
const scratches = new Set<string>([LEFTOVER]);
let runtimeDir = "";
let rgw: CephRgwStart = { skipped: "not started" };

/** A web server of the page on its volume (/data), which its owner writes. */
const pageTemplate = () =>
  checkTemplate(
    {
      id: "data-page",
      version: "1.0.0",
      title: { en: "Data page", fr: "Page de données" },
      description: { en: "Serves its volume", fr: "Sert son volume" },
      category: "web-sites",
      sizes: { small: { main: { cpu: "50m", memory: "32Mi" } } },
      components: [
        {
          name: "main",
          image: TEST_IMAGE,
          command: ["/bin/sh", "-c", "[ -f /data/index.html ] || echo empty > /data/index.html; exec /bin/httpd -f -p 8080 -h /data"],
          ports: [{ name: "http", port: 8080 }],
          expose: { port: "http" },
          security: { readOnlyRootFilesystem: true },
          volumes: [{ name: "data", persistent: { size: "1" } }],
          mounts: [{ volume: "data", mountPath: "/data" }],
        },
      ],
    },
    { type: "object", additionalProperties: false, properties: { size: { type: "string", title: "t", description: "d", enum: ["small"], default: "small" } } },
    "test/data-page",
  );

/** Writes the page of the project's running pod (its one container that is not the infra one). */
async function writePage(project: string, text: string): Promise<void> {
  const [pod] = await ofProject("pod", project);
  const containers = await lines(["ps", "--filter", `pod=${pod ?? "none"}`, "--format", "{{.ID}} {{.IsInfra}}"]);
  const main = containers.find((line) => line.endsWith(" false"))?.split(" ")[0];
  if (!main) throw new Error(`no container in ${project}'s pod`);
  const written = await run("podman", ["exec", main, "/bin/sh", "-c", `echo ${text} > /data/index.html`]);
  if (written.code !== 0) throw new Error(`podman exec failed: ${written.stderr}`);
}

function body(endpoint: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`http://${endpoint}/`, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end();
  });
}

const lines = async (args: string[]) => (await run("podman", args)).stdout.toString().split("\n").filter(Boolean);
const ofProject = (kind: "pod" | "volume" | "network", project: string) =>
  lines([kind, kind === "pod" ? "ps" : "ls", "-q", "--filter", `label=plateau.io/project=${project}`]);

function get(port: number, host: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers: { host, authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  if (unavailable) return;
  rgw = await startCephRgw({ memstoreBytes: 128 * 1024 * 1024 });
  runtimeDir = await mkdtemp(join(tmpdir(), "plateau-drill-"));
  await cleanPodmanProject("drilled");
  await cleanPodmanProject(LEFTOVER);
}, 60_000);

afterAll(async () => {
  if (unavailable) return;
  for (const project of ["drilled", ...scratches]) await cleanPodmanProject(project).catch(() => undefined);
  if (runtimeDir) await rm(runtimeDir, { recursive: true, force: true });
  if (!("skipped" in rgw)) await rgw.stop();
}, 60_000);

describe.skipIf(unavailable !== undefined)("a drill on the local platform, with real podman", () => {
  it("reports the arranged RPO and a measured RTO, the copy served the backed-up data, reachable by no one through Plateau, and removed", async (context) => {
    if ("skipped" in rgw) return context.skip(rgw.skipped);
    const engine = createPodmanEngine({ runtimeDir, installation: INSTALLATION, stopTimeoutSeconds: 0, startupTimeoutMs: 60_000, logger: silentLogger });
    const backups = createPodmanVolumeBackups({
      installation: INSTALLATION,
      platform: "local",
      s3: createS3Client({ endpoint: rgw.endpoint, region: rgw.region, credentials: rgw }),
      endpoint: rgw.endpoint,
      bucket: "plateau-drill-backups",
      logger: silentLogger,
    });
    const probe = createHttpProbe();
    let scratch = "";
    const during: { proxied?: number; networks?: string[]; pods?: string[]; served?: string } = {};
    let plateauPort = 0;
    const fixture = await memoryApp({
      adapters: {
        engines: new Map([["podman", engine]]),
        catalog: createStaticCatalog([...(await builtInTemplates()), pageTemplate()]),
        volumeBackups: { backupsFor: async (platform) => (platform === "local" ? backups : undefined) },
        // While the copy runs: its project's own network and pod, and Plateau's proxy refuses it to an operator.
        answers: async (endpoint, signal) => {
          during.networks = await ofProject("network", scratch);
          during.pods = await ofProject("pod", scratch);
          during.proxied = await get(plateauPort, `web.${scratch}.localhost:8080`, await fixture.tokenOf("oscar"));
          const answered = await probe(endpoint, signal);
          during.served = await body(endpoint);
          return answered;
        },
      },
    });
    try {
      const { repo, plateau } = fixture;
      await plateau.services.projects.create({ name: "drilled", lab: "imb" }, { login: "alice", name: "alice", email: "a@example.org" });
      const head = await repo.head();
      const project = parseProject((await repo.readFile(head ?? "", projectPath("drilled"))) ?? "", "drilled");
      await repo.commit({
        parent: head,
        author: { name: "oscar", email: "oscar@example.org" },
        message: "drilled is backed up",
        trailers: {},
        changes: [{ path: projectPath("drilled"), content: serialize({ ...project, spec: { ...project.spec, recovery: { backups: true } } }) }],
      });
      await plateau.refresh();
      await plateau.services.instances.launch(
        { template: "data-page", project: "drilled", name: "web", platform: "local" },
        { login: "alice", name: "alice", email: "a@example.org" },
      );
      await fixture.reconciler.reconcileOnce();
      await fixture.app.listen({ host: "127.0.0.1", port: 0 });
      plateauPort = (fixture.app.server.address() as AddressInfo).port;
      // A drill killed midway left a copy running.
      await engine.apply(
        { project: LEFTOVER, instance: "web", hash: "leftover", objects: testWebObjects(LEFTOVER, "web") },
        { secrets: {}, progress: () => undefined },
      );
      expect(await ofProject("pod", LEFTOVER)).toHaveLength(1);

      // The page as backed up, then changed: the copy must serve the backup's.
      await writePage("drilled", "as-backed-up");
      const ageSeconds = 5400;
      const takenAt = new Date(Date.now() - ageSeconds * 1000);
      const record = await backups.backup("drilled", "web", { id: "20261201t090000z-podm", takenAt });
      expect(record.volumes.map((volume) => volume.claim)).toEqual(["web-data"]);
      await writePage("drilled", "changed-after");
      const before = Date.now();
      const progress: string[] = [];
      const report = await plateau.services.drills.run("local", {
        progress: (line) => {
          progress.push(line.message);
          scratch ||= /starting its copy (drill-[a-z0-9-]+)\//.exec(line.message)?.[1] ?? "";
        },
      });
      const wallSeconds = (Date.now() - before) / 1000;
      scratches.add(report.scratchProject);

      expect(report.scratchProject).toBe(scratch);
      expect(isDrillProject(scratch)).toBe(true);
      const [copy] = report.instances;
      expect(report.instances).toHaveLength(1);
      expect(copy).toMatchObject({
        project: "drilled",
        instance: "web",
        answered: true,
        backup: { id: "20261201t090000z-podm", takenAt: takenAt.toISOString() },
      });
      expect(copy?.error).toBeUndefined();
      // RPO: the arranged age at the drill's start, exactly; so at least the age, at most the age and the drill's wall time.
      expect(copy?.rpoSeconds).toBe((Date.parse(report.startedAt) - takenAt.getTime()) / 1000);
      expect(copy?.rpoSeconds ?? 0).toBeGreaterThanOrEqual(ageSeconds);
      expect(copy?.rpoSeconds ?? Infinity).toBeLessThanOrEqual(ageSeconds + wallSeconds + 1);
      expect(copy?.rtoSeconds ?? 0).toBeGreaterThan(0);
      expect(copy?.rtoSeconds ?? Infinity).toBeLessThanOrEqual(wallSeconds);
      // While it ran: its own network and pod; Plateau's proxy knows no such instance, whoever asks.
      expect(during.networks).toHaveLength(1);
      expect(during.pods).toHaveLength(1);
      expect(during.proxied).toBe(404);
      expect(during.served?.trim()).toBe("as-backed-up");
      // Afterwards: no copy, no leftover, the original still runs.
      for (const project of [scratch, LEFTOVER]) {
        expect(await ofProject("pod", project), `${project}'s pods`).toEqual([]);
        expect(await ofProject("volume", project), `${project}'s volumes`).toEqual([]);
      }
      expect(progress[0]).toContain(`${LEFTOVER}/web`);
      expect((await engine.observe()).map((unit) => `${unit.project}/${unit.instance}:${unit.phase}`)).toEqual(["drilled/web:running"]);
      expect(await plateau.services.drillReports.list({ platform: "local", limit: 1 })).toEqual([report]);
    } finally {
      await fixture.app.close();
      await fixture.plateau.stop();
    }
  }, 180_000);
});
