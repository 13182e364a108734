// Podman's volume backups for real: volumes of a real podman written with `podman volume import`
// and read back with `podman volume export`, backed up to a real Ceph RGW (skipped, with the
// reason, when either is missing, unless PLATEAU_REQUIRE_PODMAN / PLATEAU_REQUIRE_CEPH say they must run).
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { startCephRgw, type CephRgwServer } from "../../../test/support/ceph-rgw.js";
import { podmanUnavailable } from "../../../test/support/podman.js";
import { InputError } from "../../core/errors.js";
import { silentLogger } from "../../core/ports/logger.js";
import { describeVolumeBackupsContract } from "../../core/ports/volume-backups.contract.js";
import { run, runChecked } from "../process.js";
import { createS3Client } from "../s3/client.js";
import { hostNames, ownerLabelArguments } from "./adapt.js";
import { createPodmanVolumeBackups, manifestKey } from "./volume-backups.js";

const unavailable = await podmanUnavailable();
const started = unavailable ? { skipped: unavailable } : await startCephRgw({ memstoreBytes: 256 * 1024 * 1024 });
const skipped = "skipped" in started;
const server = started as CephRgwServer;
const INSTALLATION = `vbt${randomBytes(4).toString("hex")}`;
const BUCKET = `plateau-backups-${randomBytes(3).toString("hex")}`;
const names = hostNames(INSTALLATION);

afterAll(async () => {
  if (skipped) return;
  const volumes = await run("podman", ["volume", "ls", "-q", "--filter", `label=plateau.io/installation=${INSTALLATION}`]);
  for (const volume of volumes.stdout.toString().split("\n").filter(Boolean)) await run("podman", ["volume", "rm", "--force", volume]);
  await server.stop();
});

const s3 = () => createS3Client({ endpoint: server.endpoint, region: server.region, credentials: server });
const backupsOf = () =>
  createPodmanVolumeBackups({
    installation: INSTALLATION,
    platform: "local",
    s3: s3(),
    endpoint: server.endpoint,
    bucket: BUCKET,
    // Small parts: the tests' archives go up in several.
    partBytes: 5 * 1024 * 1024,
    logger: silentLogger,
  });

async function filesUnder(root: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(root, { recursive: true })) {
    const path = join(root, entry);
    if ((await stat(path)).isFile()) files[relative(root, path)] = await readFile(path, "utf8");
  }
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}

/** The volume's files, extracted under `<dir>/root` (podman writes its tar to a file: it cannot to Node's stdout socket). */
async function exportVolume(volume: string, dir: string): Promise<void> {
  await runChecked("podman", ["volume", "export", "--output", join(dir, "volume.tar"), volume]);
  await runChecked("tar", ["-C", join(dir, "root"), "-xf", join(dir, "volume.tar")]);
}

async function inTempDir<T>(action: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "plateau-vbt-"));
  try {
    return await action(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe.skipIf(skipped)("podman volume backups (real podman, a real Ceph RGW)", () => {
  describeVolumeBackupsContract("podman", async () => ({
    backups: backupsOf(),
    async writeVolume(project, instance, claim, files) {
      const volume = names.volume(project, claim);
      await run("podman", ["volume", "rm", "--force", volume]);
      await runChecked("podman", ["volume", "create", ...ownerLabelArguments(INSTALLATION, project, instance), volume]);
      await inTempDir(async (dir) => {
        const root = join(dir, "root");
        await mkdir(root);
        for (const [path, content] of Object.entries(files)) {
          await mkdir(dirname(join(root, path)), { recursive: true });
          await writeFile(join(root, path), content);
        }
        const tar = await runChecked("tar", ["-C", root, "-cf", "-", "."]);
        await runChecked("podman", ["volume", "import", volume, "-"], { input: tar });
      });
    },
    async readVolume(_project, _instance, claim) {
      const volume = names.volume(_project, claim);
      if ((await run("podman", ["volume", "exists", volume])).code !== 0) return undefined;
      return inTempDir(async (dir) => {
        await mkdir(join(dir, "root"));
        await exportVolume(volume, dir);
        return filesUnder(join(dir, "root"));
      });
    },
    async corruptArchive(key) {
      const client = s3();
      const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      const bytes = Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes }));
    },
    unique: (base) => `${base}-${randomBytes(3).toString("hex")}`,
  }));

  it("streams a volume larger than a part up in parts, and restores it whole", async () => {
    const backups = backupsOf();
    const project = `big-${randomBytes(3).toString("hex")}`;
    const volume = names.volume(project, "data");
    await runChecked("podman", ["volume", "create", ...ownerLabelArguments(INSTALLATION, project, "app"), volume]);
    const random = randomBytes(12 * 1024 * 1024);
    await inTempDir(async (dir) => {
      await writeFile(join(dir, "random.bin"), random);
      await runChecked("podman", ["volume", "import", volume, "-"], { input: await runChecked("tar", ["-C", dir, "-cf", "-", "."]) });
    });
    const record = await backups.backup(project, "app", { id: "20261201t100000z-big", takenAt: new Date("2026-12-01T10:00:00Z") });
    // Random bytes do not compress: more than two parts of 5 MiB.
    expect(record.volumes[0]?.storedBytes).toBeGreaterThan(10 * 1024 * 1024);
    await run("podman", ["volume", "rm", "--force", volume]);
    await backups.restore(record, { project, instance: "app" });
    const restored = await inTempDir(async (dir) => {
      await mkdir(join(dir, "root"));
      await exportVolume(volume, dir);
      return readFile(join(dir, "root", "random.bin"));
    });
    expect(restored.equals(random)).toBe(true);
    // The restored volume carries the labels the engine finds it by.
    const labels = JSON.parse((await runChecked("podman", ["volume", "inspect", "--format", "json", volume])).toString()) as {
      Labels: Record<string, string>;
    }[];
    expect(labels[0]?.Labels).toMatchObject({ "plateau.io/installation": INSTALLATION, "plateau.io/project": project, "plateau.io/instance": "app" });
  });

  it("writes the manifest last, a readable JSON document beside the archives; ignores one that cannot be trusted", async () => {
    const backups = backupsOf();
    const project = `mf-${randomBytes(3).toString("hex")}`;
    const record = await backups.backup(project, "app", { id: "20261201t100000z-mf", takenAt: new Date("2026-12-01T10:00:00Z") });
    const client = s3();
    const stored = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: manifestKey(project, "app", record.id) }));
    expect(JSON.parse(await (stored.Body as { transformToString(): Promise<string> }).transformToString())).toEqual({
      format: "plateau.io/volume-backup/v1",
      ...record,
    });
    // A manifest claiming another project's place, one that does not parse: neither listed.
    const other = `${project}-x`;
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: manifestKey(other, "app", "forged"),
        Body: JSON.stringify({ format: "plateau.io/volume-backup/v1", ...record, id: "forged" }),
      }),
    );
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: manifestKey(other, "app", "broken"), Body: "{" }));
    expect(await backups.list(other)).toEqual([]);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${project}/` }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual([manifestKey(project, "app", record.id)]);
  });

  it("refuses a backup id that is not a DNS label, before reading anything", async () => {
    const refused = await backupsOf()
      .backup("p", "app", { id: "2026-12-01T10:00:00Z", takenAt: new Date() })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InputError);
  });
});
