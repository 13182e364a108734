// B12: backup and restore of a podman volume through Plateau's VolumeBackups (podman adapter:
// `podman volume export` → gzip (level chosen as the data goes) → sha256 → multipart upload, the
// manifest last; then the manifest read again, the archive downloaded to a private file and
// checked, the volume made again and `podman volume import`ed) vs what one does by hand with
// the same files: `tar -cf` + one PutObject with the S3 client alone, then GetObject to a file +
// `tar -xf`. Same real Ceph RGW, same run, alternating which goes first. Throughput ratio:
// the baseline's time ÷ ours (≥ 0.8× is the target).
// 1 GiB of random bytes (incompressible: the worst case for gzip; media, archives and encrypted
// files look like that), and a smaller compressible volume (text-like lines) beside it.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { hostNames, ownerLabelArguments } from "../src/adapters/podman/adapt.js";
import { createPodmanVolumeBackups } from "../src/adapters/podman/volume-backups.js";
import { run, runChecked } from "../src/adapters/process.js";
import { createS3Client } from "../src/adapters/s3/client.js";
import { silentLogger } from "../src/core/ports/logger.js";
import { startCephRgw } from "../test/support/ceph-rgw.js";
import { median, ms, ratio, showSpread, spread, timed, type Row } from "./stats.js";

const execute = promisify(execFile);
const MIB = 1024 * 1024;
const RANDOM_MIB = Number(process.env.PLATEAU_BENCH_B12_MIB ?? 1024);
const TEXT_MIB = Number(process.env.PLATEAU_BENCH_B12_TEXT_MIB ?? 128);
const ROUNDS = Number(process.env.PLATEAU_BENCH_B12_ROUNDS ?? 2);
const FILE_MIB = 64;
const INSTALLATION = `b12${randomBytes(4).toString("hex")}`;
const PROJECT = "b12";
const BUCKET = "plateau-backups";
const BASELINE_BUCKET = "b12-by-hand";

/** Files of `mib` MiB in all under `dir`, 64 MiB each, made by `chunk` (1 MiB at a time). */
async function makeFiles(dir: string, mib: number, chunk: (n: number) => Buffer): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let file = 0, made = 0; made < mib; file++) {
    const size = Math.min(FILE_MIB, mib - made);
    const out = createWriteStream(join(dir, `file-${file}.bin`));
    for (let n = 0; n < size; n++) if (!out.write(chunk(made + n))) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    made += size;
  }
}

/** Text-like lines (a log): gzip shrinks them about tenfold. */
function textChunk(n: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < MIB; i++) {
    const line = `2026-12-06T10:${String(i % 60).padStart(2, "0")}:00Z INFO request ${n * 100_000 + i} GET /api/items/${(i * 7919) % 10007} 200 ${(i * 31) % 997}ms\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join(""), "utf8").subarray(0, MIB);
}

async function emptyBucket(s3: S3Client, bucket: string, cephConf: string): Promise<void> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const object of listed.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
  // RGW frees removed objects at its garbage collection, hours later by default: now, untimed.
  await execute("radosgw-admin", ["-c", cephConf, "gc", "process", "--include-all"]);
}

interface Sides {
  readonly ours: number[];
  readonly baseline: number[];
  readonly ratios: number[];
}

export async function benchBackups(log: (line: string) => void): Promise<Row[]> {
  if ((await run("podman", ["version"]).catch(() => ({ code: 1 }))).code !== 0) {
    log("  B12 skipped: podman does not work here");
    return [];
  }
  const started = await startCephRgw({ memstoreBytes: (2 * RANDOM_MIB + 512) * MIB });
  if ("skipped" in started) {
    log(`  B12 skipped: ${started.skipped}`);
    return [];
  }
  const server = started;
  const work = await mkdtemp(join(tmpdir(), "plateau-b12-"));
  const names = hostNames(INSTALLATION);
  try {
    const s3 = createS3Client({ endpoint: started.endpoint, region: started.region, credentials: started });
    await s3.send(new CreateBucketCommand({ Bucket: BASELINE_BUCKET }));
    const backups = createPodmanVolumeBackups({
      installation: INSTALLATION,
      platform: "local",
      s3,
      endpoint: started.endpoint,
      bucket: BUCKET,
      tempDir: work,
      logger: silentLogger,
    });

    /** One case: a volume of those files, backed up and restored by both sides, ROUNDS times. */
    async function measure(label: string, files: string, rounds: number): Promise<{ sides: Sides; bytes: number }> {
      const volume = names.volume(PROJECT, label);
      await runChecked("podman", ["volume", "create", ...ownerLabelArguments(INSTALLATION, PROJECT, label), volume]);
      const tarFile = join(work, `${label}.tar`);
      await runChecked("tar", ["-C", files, "-cf", tarFile, "."]);
      await runChecked("podman", ["volume", "import", volume, tarFile]);
      await rm(tarFile);
      const bytes = (await stat(join(files, "file-0.bin"))).size;
      const sides: Sides = { ours: [], baseline: [], ratios: [] };
      const ours = async (round: number) => {
        const id = `20261206t10000${round}z-${label}`;
        let record: Awaited<ReturnType<typeof backups.backup>> | undefined;
        const up = await timed(async () => (record = await backups.backup(PROJECT, label, { id, takenAt: new Date() })));
        const down = await timed(() => backups.restore(record as NonNullable<typeof record>, { project: PROJECT, instance: label }));
        log(`  B12 ${label} ours: backup ${ms(up)} ms (stored ${((record?.volumes[0]?.storedBytes ?? 0) / MIB).toFixed(0)} MiB), restore ${ms(down)} ms`);
        await emptyBucket(s3, BUCKET, server.cephConf);
        return up + down;
      };
      const baseline = async () => {
        const archive = join(work, "by-hand.tar");
        const restored = join(work, "by-hand-restored");
        const up = await timed(async () => {
          await runChecked("tar", ["-C", files, "-cf", archive, "."]);
          await s3.send(
            new PutObjectCommand({ Bucket: BASELINE_BUCKET, Key: "by-hand.tar", Body: createReadStream(archive), ContentLength: (await stat(archive)).size }),
          );
        });
        await rm(archive);
        const down = await timed(async () => {
          const object = await s3.send(new GetObjectCommand({ Bucket: BASELINE_BUCKET, Key: "by-hand.tar" }));
          await pipeline(object.Body as Readable, createWriteStream(archive));
          await mkdir(restored);
          await runChecked("tar", ["-C", restored, "-xf", archive]);
        });
        log(`  B12 ${label} by hand: tar + PutObject ${ms(up)} ms, GetObject + untar ${ms(down)} ms`);
        await rm(archive, { force: true });
        await rm(restored, { recursive: true, force: true });
        await emptyBucket(s3, BASELINE_BUCKET, server.cephConf);
        return up + down;
      };
      for (let round = 0; round < rounds; round++) {
        // Alternating which goes first: neither always meets a server busy with the other's deletes.
        let mine: number;
        let theirs: number;
        if (round % 2 === 0) {
          mine = await ours(round);
          theirs = await baseline();
        } else {
          theirs = await baseline();
          mine = await ours(round);
        }
        sides.ours.push(mine);
        sides.baseline.push(theirs);
        sides.ratios.push(theirs / mine);
      }
      await run("podman", ["volume", "rm", "--force", volume]);
      return { sides, bytes };
    }

    const rows: Row[] = [];
    const throughput = (mib: number, msFor: number) => `${((2 * mib) / (msFor / 1000)).toFixed(0)} MiB/s`;
    const cases = [
      { label: "random", mib: RANDOM_MIB, chunk: () => randomBytes(MIB), what: "random bytes, incompressible" },
      { label: "text", mib: TEXT_MIB, chunk: textChunk, what: "text-like lines, compressible" },
    ];
    for (const { label, mib, chunk, what } of cases) {
      if (mib <= 0) continue;
      const files = join(work, `${label}-files`);
      await makeFiles(files, mib, chunk);
      const { sides } = await measure(label, files, label === "random" ? ROUNDS : 1);
      await rm(files, { recursive: true, force: true });
      const ratios = spread(sides.ratios);
      const size = mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`;
      rows.push({
        name: `B12 backup then restore of a ${size} podman volume (${what}) through VolumeBackups`,
        ours: `${showSpread(spread(sides.ours))} ms (${throughput(mib, median(sides.ours))})`,
        baseline: `${ms(median(sides.baseline))} ms (${throughput(mib, median(sides.baseline))}; tar + PutObject, GetObject + untar, the S3 client alone)`,
        ratio: showSpread(ratios, ratio),
        target: "≥ 0.8× (throughput)",
        met: ratios.median >= 0.8,
      });
    }
    // The text case is measured once: its row says so by its spread of one.
    return rows;
  } finally {
    const volumes = await run("podman", ["volume", "ls", "-q", "--filter", `label=plateau.io/installation=${INSTALLATION}`]);
    for (const volume of volumes.stdout.toString().split("\n").filter(Boolean)) await run("podman", ["volume", "rm", "--force", volume]);
    await rm(work, { recursive: true, force: true });
    await started.stop();
  }
}
