// The local end to end (ADR 0034), for real: an instance launched on the local platform
// (the real reconciler and podman engine) writes data into its volume; a backup goes to a real
// Ceph RGW (the podman VolumeBackups adapter); the data changes, the volume is destroyed; an
// in-place restore (one commit, then the reconciler and the engine) brings back the backed-up
// bytes. A backup whose archive was overwritten in the bucket is refused by its checksum, and
// the volume is left as it was.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createStaticCatalog } from "../../src/adapters/catalog/file-catalog.js";
import { createPodmanEngine } from "../../src/adapters/podman/podman-engine.js";
import { createPodmanVolumeBackups } from "../../src/adapters/podman/volume-backups.js";
import { run } from "../../src/adapters/process.js";
import { createS3Client } from "../../src/adapters/s3/client.js";
import { checkTemplate } from "../../src/core/catalog/template.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { instancePath } from "../../src/core/repository/layout.js";
import type { VolumeBackups, VolumeBackupsRegistry } from "../../src/core/ports/volume-backups.js";
import { startCephRgw, type CephRgwStart } from "../support/ceph-rgw.js";
import { builtInTemplates, memoryPlateau } from "../support/plateau.js";
import { cleanPodmanProject, httpGet, podmanUnavailable, TEST_IMAGE } from "../support/podman.js";

const exec = promisify(execFile);
const PROJECT = "restorepm";
const INSTALLATION = "restore0e2e";
const BUCKET = "plateau-backups";

/** At its first start, the instance writes 64 KiB of random bytes into its volume; it serves the volume. */
const SCRIPT = ["test -f /data/blob || head -c 65536 /dev/urandom > /data/blob", "exec /bin/httpd -f -p 8080 -h /data"].join(" && ");

const keeperTemplate = () =>
  checkTemplate(
    {
      id: "keeper",
      version: "1.0.0",
      title: { en: "Keeper", fr: "Gardien" },
      description: { en: "Keeps bytes in its volume", fr: "Garde des octets dans son volume" },
      category: "web-sites",
      sizes: { small: { main: { cpu: "50m", memory: "32Mi" } } },
      components: [
        {
          name: "main",
          image: TEST_IMAGE,
          command: ["/bin/sh", "-c", SCRIPT],
          ports: [{ name: "http", port: 8080 }],
          expose: { port: "http" },
          security: { readOnlyRootFilesystem: true },
          volumes: [{ name: "data", persistent: { size: "1" } }],
          mounts: [{ volume: "data", mountPath: "/data" }],
        },
      ],
    },
    {
      type: "object",
      additionalProperties: false,
      properties: { size: { type: "string", title: "t", description: "d", enum: ["small"], default: "small" } },
    },
    "test/keeper",
  );

/** The sha256 of a file of a volume, read from podman's export of it (no pod needed). */
async function volumeFileDigest(volume: string, file: string): Promise<string> {
  const { stdout } = await exec("sh", ["-c", `podman volume export "$0" | tar -xOf - "$1" | sha256sum`, volume, file]);
  return stdout.split(" ")[0] ?? "";
}

const unavailable = await podmanUnavailable();
let rgw: CephRgwStart = { skipped: "not started" };
let runtimeDir = "";

beforeAll(async () => {
  if (unavailable) return;
  rgw = await startCephRgw({ memstoreBytes: 256 * 1024 * 1024 });
  if ("skipped" in rgw) return;
  runtimeDir = await mkdtemp(join(tmpdir(), "plateau-podman-"));
  await cleanPodmanProject(PROJECT);
}, 120_000);

afterAll(async () => {
  await cleanPodmanProject(PROJECT).catch(() => undefined);
  if (!("skipped" in rgw)) await rgw.stop();
  if (runtimeDir) await rm(runtimeDir, { recursive: true, force: true });
});

describe.skipIf(unavailable !== undefined)("an instance's volume backed up to a real RGW and restored in place by podman", () => {
  it("restores the backed-up bytes into a destroyed volume, and refuses a damaged backup, leaving the volume as it was", async (context) => {
    if ("skipped" in rgw) return context.skip(rgw.skipped);
    const s3 = createS3Client({
      endpoint: rgw.endpoint,
      region: rgw.region,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const local: VolumeBackups = createPodmanVolumeBackups({
      installation: INSTALLATION,
      platform: "local",
      s3,
      endpoint: rgw.endpoint,
      bucket: BUCKET,
      logger: silentLogger,
    });
    const registry: VolumeBackupsRegistry = { backupsFor: async (platform) => (platform === "local" ? local : undefined) };
    const engine = createPodmanEngine({
      runtimeDir,
      installation: INSTALLATION,
      stopTimeoutSeconds: 0,
      startupTimeoutMs: 60_000,
      volumeBackups: registry,
      logger: silentLogger,
    });
    const { plateau, reconciler, adapters } = await memoryPlateau({
      engines: new Map([["podman", engine]]),
      catalog: createStaticCatalog([...(await builtInTemplates()), keeperTemplate()]),
      volumeBackups: registry,
    });
    const backups = plateau.services.volumeBackups;
    if (!backups) throw new Error("no volume backups composed");
    const alice = { login: "alice", name: "alice", email: "alice@users.plateau.invalid" };
    const volume = `plateau-${INSTALLATION}.${PROJECT}.keeper-data`;
    const blob = () => volumeFileDigest(volume, "blob");
    /** It runs and serves its volume. */
    const serving = async () => {
      const status = await adapters.statuses.getStatus(PROJECT, "keeper");
      if (status?.phase !== "running" || !status.endpoint) throw new Error(`not serving: ${status?.phase} ${status?.reason}`);
      return httpGet(status.endpoint, "/blob");
    };
    try {
      await plateau.services.projects.create({ name: PROJECT, lab: "imb", title: "Restores" }, alice);
      await plateau.services.instances.launch({ template: "keeper", project: PROJECT, name: "keeper" }, alice);
      await reconciler.reconcileOnce();
      const claims = (await run("podman", ["volume", "ls", "--format", "{{.Name}}", "--filter", `label=plateau.io/project=${PROJECT}`])).stdout.toString();
      expect(claims).toContain(volume);
      await vi.waitFor(serving, { timeout: 30_000 });
      const original = await blob();
      // What sha256sum says of nothing: the file was not read.
      expect(original).not.toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

      // Backed up (as the route does), then the data changes and the volume is destroyed.
      const record = await backups.backupNow(PROJECT, "keeper");
      expect(record.volumes.map((v) => v.claim)).toEqual(["keeper-data"]);
      const container = `plateau-${INSTALLATION}.${PROJECT}.keeper-main`;
      expect((await run("podman", ["exec", container, "/bin/sh", "-c", "echo changed > /data/blob"])).code).toBe(0);
      expect(await blob()).not.toBe(original);
      await engine.stop(PROJECT, "keeper");
      expect((await run("podman", ["volume", "rm", "-f", volume])).code).toBe(0);

      // The in-place restore: one commit, then the reconciler and the engine.
      const restored = await plateau.services.instances.restore(PROJECT, "keeper", undefined, alice);
      expect(restored.backup.id).toBe(record.id);
      // Nothing secret in git: the commit names the backup, never the backup site's keys.
      const head = (await adapters.repo.head()) as string;
      for (const path of [
        instancePath(PROJECT, "keeper"),
        ...(await adapters.repo.listDirectory(head, `rendered/local/${PROJECT}/keeper`)).map((entry) => `rendered/local/${PROJECT}/keeper/${entry.name}`),
      ]) {
        const text = (await adapters.repo.readFile(head, path)) ?? "";
        expect(text, path).not.toContain(rgw.secretAccessKey);
        expect(text, path).not.toContain(rgw.accessKeyId);
      }
      expect((await adapters.repo.readFile(head, instancePath(PROJECT, "keeper"))) ?? "").toContain(record.id);
      await reconciler.reconcileOnce();
      expect((await adapters.statuses.listEvents(PROJECT, "keeper", 50)).map((event) => event.kind)).toContain("restoring");
      await vi.waitFor(serving, { timeout: 30_000 });
      expect(await blob()).toBe(original);

      // A damaged backup: its archive overwritten in the bucket. Refused by its checksum; the volume as it was.
      const second = await backups.backupNow(PROJECT, "keeper");
      expect((await run("podman", ["exec", container, "/bin/sh", "-c", "echo third > /data/blob"])).code).toBe(0);
      const third = await blob();
      expect(third).not.toBe(original);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: second.volumes[0]?.key as string, Body: Buffer.from("not the archive") }));
      await plateau.services.instances.restore(PROJECT, "keeper", second.id, alice);
      await reconciler.reconcileOnce();
      const status = await adapters.statuses.getStatus(PROJECT, "keeper");
      expect(status?.reason).toMatch(/does not match its checksum: nothing was restored/);
      expect(await blob()).toBe(third);
    } finally {
      await plateau.stop();
    }
  }, 240_000);
});
