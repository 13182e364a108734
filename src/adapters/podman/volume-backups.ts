// Backups of podman volumes (ADR 0034, VolumeBackups port): each volume of an instance is read
// with `podman volume export`, gzipped, checksummed and uploaded in parts to Plateau's backup
// bucket as it is read, then a manifest is written beside the archives, last: a backup exists
// once its manifest does. Nothing is ever held whole in memory (a volume may be larger than it),
// nor written to disk on the way up.
//
// Objects of a backup: `<project>/<instance>/<id>/<claim>.tar.gz` and
// `<project>/<instance>/<id>/manifest.json` (docs/recovery.md, "Backups on podman"). A restore
// trusts only what it reads from the bucket: the manifest again, each archive against its
// sha256, all of them downloaded and checked before the first volume is touched.
//
// Programs whose output is streamed (`volume export`, `volume import`) are spawned from this
// process, not through the spawner of process.ts, which returns a program's output only once
// it ends: one spawn per volume, beside minutes of transfer.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { closeSync, constants as fsConstants, openSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { constants as zlibConstants, crc32, deflateRaw, gzip } from "node:zlib";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Type, type Static } from "typebox";
import { Value } from "typebox/value";
import { ConflictError, InputError, NotFoundError } from "../../core/errors.js";
import type { Logger } from "../../core/ports/logger.js";
import type { BackupOptions, BackupRecord, BackupVolume, RestoreReport, RestoreTarget, VolumeBackups } from "../../core/ports/volume-backups.js";
import { lastLine, run, runChecked } from "../process.js";
import { s3ErrorCode, s3ErrorStatus } from "../s3/errors.js";
import { hostNames, LABELS, ownerLabelArguments } from "./adapt.js";

export interface PodmanVolumeBackupsParams {
  readonly podman?: string;
  /** This installation's id: only its volumes are backed up, and restored volumes carry it. */
  readonly installation: string;
  /** The platform whose volumes these are (in each record). */
  readonly platform: string;
  /** A client of the backup site's S3 with Plateau's admin keys (`createS3Client`). */
  readonly s3: S3Client;
  /** The S3 endpoint, for people (`location`). */
  readonly endpoint: string;
  /** Plateau's backup bucket on that site: made when missing. */
  readonly bucket: string;
  /** The size of an uploaded part (default 16 MiB): what is held in memory per upload in flight. */
  readonly partBytes?: number;
  /** Parts uploaded at once (default 4). */
  readonly uploadConcurrency?: number;
  /** gzip's level where data compresses (default 1, `Z_BEST_SPEED`: above, gzip, not the network, sets the pace; bench B12); data that does not is stored. */
  readonly compressionLevel?: number;
  /** Where restores download archives and backups make their FIFO (in a private directory made there; default the system's temporary directory). */
  readonly tempDir?: string;
  readonly logger: Logger;
}

/** The manifest format's version: what a reader checks before trusting the rest. */
export const MANIFEST_FORMAT = "plateau.io/volume-backup/v1";
export const MANIFEST_NAME = "manifest.json";

/** A backup id: a DNS label (it is part of object keys and a Velero Restore's backupName). */
export const BACKUP_ID = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const SHA256 = "^[0-9a-f]{64}$";

export const BackupManifestSchema = Type.Object(
  {
    format: Type.Literal(MANIFEST_FORMAT),
    id: Type.String({ pattern: BACKUP_ID.source }),
    platform: Type.String({ minLength: 1, maxLength: 253 }),
    project: Type.String({ pattern: NAME, maxLength: 63 }),
    instance: Type.String({ pattern: NAME, maxLength: 63 }),
    takenAt: Type.String({ format: "date-time", maxLength: 40 }),
    volumes: Type.Array(
      Type.Object(
        {
          claim: Type.String({ pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 }),
          key: Type.String({ maxLength: 1024 }),
          bytes: Type.Integer({ minimum: 0 }),
          storedBytes: Type.Integer({ minimum: 0 }),
          sha256: Type.String({ pattern: SHA256 }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);
export type BackupManifest = Static<typeof BackupManifestSchema>;

const MIB = 1024 * 1024;
const backupPrefix = (project: string, instance: string, id: string) => `${project}/${instance}/${id}/`;
export const archiveKey = (project: string, instance: string, id: string, claim: string) => `${backupPrefix(project, instance, id)}${claim}.tar.gz`;
export const manifestKey = (project: string, instance: string, id: string) => `${backupPrefix(project, instance, id)}${MANIFEST_NAME}`;

/** The manifest as stored: keys in a fixed order, serialized once. */
export function manifestOf(record: BackupRecord): string {
  const manifest: BackupManifest = {
    format: MANIFEST_FORMAT,
    id: record.id,
    platform: record.platform,
    project: record.project,
    instance: record.instance,
    takenAt: record.takenAt,
    volumes: record.volumes.map((volume) => ({
      claim: volume.claim,
      key: volume.key,
      bytes: volume.bytes,
      storedBytes: volume.storedBytes,
      sha256: volume.sha256,
    })),
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * The record a stored manifest describes, or why it is not one: it must parse, match the schema,
 * and name the very place it is stored at (its project, instance and id, its archives beside it),
 * so that no manifest can point a restore at another project's archives.
 */
export function parseManifest(text: string, key: string): BackupRecord | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  if (!Value.Check(BackupManifestSchema, parsed)) {
    const first = [...Value.Errors(BackupManifestSchema, parsed)][0];
    return `not a manifest (${first ? `${first.instancePath || "/"}: ${first.message}` : "schema"})`;
  }
  const manifest = parsed;
  if (Number.isNaN(Date.parse(manifest.takenAt))) return "takenAt is not a time";
  if (manifestKey(manifest.project, manifest.instance, manifest.id) !== key) return "its project, instance or id is not where it is stored";
  const claims = new Set<string>();
  for (const volume of manifest.volumes) {
    if (volume.key !== archiveKey(manifest.project, manifest.instance, manifest.id, volume.claim)) return `the archive of ${volume.claim} is not beside it`;
    if (claims.has(volume.claim)) return `${volume.claim} is named twice`;
    claims.add(volume.claim);
  }
  const { format: _format, ...record } = manifest;
  return record;
}

interface VolumeJson {
  Name: string;
  Labels?: Record<string, string>;
}

/** Counts (and hashes, when asked) the bytes going through. */
class Meter extends Transform {
  bytes = 0;
  private readonly hash = createHash("sha256");
  constructor(private readonly hashing: boolean) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    if (this.hashing) this.hash.update(chunk);
    done(null, chunk);
  }
  digest(): string {
    return this.hash.digest("hex");
  }
}

/**
 * The tar stream gzipped, at a level chosen as the data goes (bench B12), as a series of gzip
 * members (one per 8 MiB window: concatenated members are one valid .gz for gunzip, `gzip -d`,
 * zcat and Node alike). Deflate at `level` costs little on data that compresses (text,
 * databases) but is many times slower than the network on data that does not (media,
 * archives, encrypted files: 17 MiB/s at level 1 on the bench machine). The first window is
 * judged by a sample (its first 256 KiB deflated); a window that did not shrink by a tenth
 * makes the next ones stored (`storedMember`, no deflate at all), until a sample (every 4th
 * window) says the data compresses again. Two windows are deflated at once, in libuv's
 * threads: the event loop only passes buffers.
 */
export async function* gzipMembers(source: AsyncIterable<Buffer>, level: number, counted: { bytes: number }): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let storing = false;
  let stored = 0;
  let probed = false;
  const inFlight: Promise<Buffer[]>[] = [];
  // Each window's choice waits for the one before (a sample is short): the next window then sees it.
  let judged = Promise.resolve();
  const compress = async (window: Buffer): Promise<Buffer[]> => {
    const before = judged;
    let release = () => {};
    judged = new Promise<void>((resolve) => (release = resolve));
    await before;
    try {
      // The first window is judged by a sample too: deflating 8 MiB of random bytes takes half a second.
      const sampling = storing ? ++stored % SAMPLE_EVERY === 0 : !probed;
      probed = true;
      if (level !== 0 && sampling) {
        const sample = await deflateRawAsync(window.subarray(0, SAMPLE_BYTES), { level });
        storing = sample.length >= SHRUNK * Math.min(window.length, SAMPLE_BYTES);
      }
    } finally {
      release();
    }
    const chosen = storing ? 0 : level;
    if (chosen === 0) return storedMember(window);
    const member = await gzipAsync(window, { level: chosen, chunkSize: GZIP_CHUNK_BYTES });
    if (chosen !== 0 && member.length >= SHRUNK * window.length) storing = true;
    return [member];
  };
  const take = (): Buffer => {
    const window = Buffer.concat(held, heldBytes);
    held = [];
    heldBytes = 0;
    return window;
  };
  let members = 0;
  for await (const chunk of source) {
    counted.bytes += chunk.length;
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes < WINDOW_BYTES) continue;
    inFlight.push(compress(take()));
    members++;
    if (inFlight.length >= 2) yield* await (inFlight.shift() as Promise<Buffer[]>);
  }
  // At least one member: an empty file is no gzip.
  if (heldBytes > 0 || members === 0) inFlight.push(compress(take()));
  while (inFlight.length > 0) yield* await (inFlight.shift() as Promise<Buffer[]>);
}
const WINDOW_BYTES = 8 * 1024 * 1024;
const SAMPLE_BYTES = 256 * 1024;
const SAMPLE_EVERY = 4;
const SHRUNK = 0.9;
// One output buffer per window rather than one pass through the thread pool per 16 KiB (the default).
const GZIP_CHUNK_BYTES = WINDOW_BYTES + 64 * 1024;
const gzipAsync = promisify(gzip);
const deflateRawAsync = promisify(deflateRaw);

/**
 * The part's payload left out of its signature (`x-amz-content-sha256: UNSIGNED-PAYLOAD`, which
 * the SDK's signer takes as given): over http the SDK would otherwise hash every part again
 * (bench B12), and the archive's own sha256, in the manifest (signed), is what a restore checks.
 */
function unsignedPayload(command: UploadPartCommand): void {
  command.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
      return next(args);
    },
    { step: "build", name: "plateauUnsignedPayload" },
  );
}

/**
 * A gzip member holding the window as stored deflate blocks (RFC 1951 §3.2.4, RFC 1952), made
 * here: zlib's level 0 still passes every byte through its sliding window (1.2 s per 256 MiB on
 * the bench machine), a CRC-32 takes a twentieth of that.
 */
export function storedMember(window: Buffer): Buffer[] {
  const blocks = Math.max(1, Math.ceil(window.length / STORED_BLOCK_BYTES));
  // The window's bytes are not copied: pieces of it between the blocks' headers (the upload
  // copies them once, into its part).
  const headers = Buffer.allocUnsafe(blocks * 5 + 8);
  const pieces: Buffer[] = [GZIP_HEADER];
  for (let block = 0; block < blocks; block++) {
    const start = block * STORED_BLOCK_BYTES;
    const length = Math.min(STORED_BLOCK_BYTES, window.length - start);
    const at = block * 5;
    headers.writeUInt8(block === blocks - 1 ? 1 : 0, at);
    headers.writeUInt16LE(length, at + 1);
    headers.writeUInt16LE(~length & 0xffff, at + 3);
    pieces.push(headers.subarray(at, at + 5), window.subarray(start, start + length));
  }
  const trailer = headers.subarray(blocks * 5);
  trailer.writeUInt32LE(crc32(window), 0);
  trailer.writeUInt32LE(window.length % 2 ** 32, 4);
  pieces.push(trailer);
  return pieces;
}
const STORED_BLOCK_BYTES = 65535;
/** ID1 ID2, deflate, no flags, no time, no extra flags, Unix: as Node's own gzip writes it. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]);

/** A program whose output or input is streamed: its end, with the last line it wrote on stderr. */
function streamedProcess(command: string, args: readonly string[], stdio: "none" | number, signal: AbortSignal | undefined) {
  // A file descriptor: its standard output.
  const child = spawn(command, args, { stdio: ["ignore", stdio === "none" ? "ignore" : stdio, "pipe"], ...(signal ? { signal } : {}) });
  const stderr: Buffer[] = [];
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
  const ended = new Promise<{ code: number; stderr: string }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stderr: Buffer.concat(stderr).toString("utf8") }));
  });
  // A failure is reported from its exit, not as an unhandled rejection while the stream runs.
  ended.catch(() => undefined);
  return { child, ended };
}

export function createPodmanVolumeBackups(params: PodmanVolumeBackupsParams): VolumeBackups {
  const podman = params.podman ?? "podman";
  const { installation, platform, bucket, logger } = params;
  const s3 = params.s3;
  const names = hostNames(installation);
  const partBytes = Math.max(params.partBytes ?? 16 * MIB, 5 * MIB);
  const concurrency = Math.max(params.uploadConcurrency ?? 4, 1);
  const level = params.compressionLevel ?? zlibConstants.Z_BEST_SPEED;

  /** A directory of our own (0700) for one backup's FIFO or one restore's archives. */
  const privateDir = async (prefix: string): Promise<string> => {
    const parent = params.tempDir ?? tmpdir();
    await mkdir(parent, { recursive: true, mode: 0o700 });
    return mkdtemp(join(parent, prefix));
  };

  let bucketReady: Promise<void> | undefined;
  /** The bucket, made once (Plateau's own, with the site's admin keys); tried again after a failure. */
  function ensureBucket(): Promise<void> {
    bucketReady ??= (async () => {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        logger.info({ bucket, endpoint: params.endpoint }, "the backup bucket was made");
      } catch (error) {
        const code = s3ErrorCode(error);
        if (code === "BucketAlreadyOwnedByYou") return;
        // Someone's bucket, or ours on a server that answers so: ours if we may read it.
        if (code === "BucketAlreadyExists") {
          await s3.send(new HeadBucketCommand({ Bucket: bucket })).catch(() => {
            throw new Error(`the backup bucket ${bucket} at ${params.endpoint} belongs to someone else: choose another spec.backups.bucket`);
          });
          return;
        }
        throw error;
      }
    })().catch((error: unknown) => {
      bucketReady = undefined;
      throw error;
    });
    return bucketReady;
  }

  /** The instance's volumes, by claim (sorted): this installation's, labelled with the project and instance. */
  async function volumesOf(project: string, instance: string): Promise<{ claim: string; volume: string }[]> {
    // By one label, then checked: podman 4.3 ORs repeated label filters of volumes.
    const listed = JSON.parse(
      (await runChecked(podman, ["volume", "ls", "--filter", `label=${LABELS.installation}=${installation}`, "--format", "json"])).toString("utf8") || "[]",
    ) as VolumeJson[];
    const prefix = names.volume(project, "");
    return listed
      .filter(
        (volume) =>
          volume.Labels?.[LABELS.managed] === "true" &&
          volume.Labels[LABELS.installation] === installation &&
          volume.Labels[LABELS.project] === project &&
          volume.Labels[LABELS.instance] === instance &&
          volume.Name.startsWith(prefix),
      )
      .map((volume) => ({ claim: volume.Name.slice(prefix.length), volume: volume.Name }))
      .filter(({ claim }) => claim.length > 0)
      .sort((a, b) => (a.claim < b.claim ? -1 : a.claim > b.claim ? 1 : 0));
  }

  /**
   * Uploads what the source gives, in parts of `partBytes` (up to `concurrency` at once, the
   * source waiting beyond), or in one PUT when it is smaller than a part.
   */
  async function upload(key: string, source: AsyncIterable<Buffer>, finish: () => Promise<void>, signal: AbortSignal | undefined): Promise<void> {
    let held: Buffer[] = [];
    let heldBytes = 0;
    let uploadId: string | undefined;
    const parts: { PartNumber: number; ETag: string }[] = [];
    const inFlight = new Set<Promise<void>>();
    let nextPart = 1;
    let failure: unknown;
    const take = (): Buffer => {
      const all = Buffer.concat(held, heldBytes);
      held = [];
      heldBytes = 0;
      return all;
    };
    const send = async (body: Buffer) => {
      uploadId ??= (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: "application/gzip" }), { abortSignal: signal }))
        .UploadId as string;
      const PartNumber = nextPart++;
      const part = (async () => {
        const command = new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber, Body: body, ContentLength: body.length });
        unsignedPayload(command);
        const written = await s3.send(command, { abortSignal: signal });
        parts.push({ PartNumber, ETag: written.ETag as string });
      })().catch((error: unknown) => {
        failure ??= error;
      });
      inFlight.add(part);
      void part.finally(() => inFlight.delete(part));
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (failure) throw failure;
    };
    try {
      for await (const chunk of source) {
        held.push(chunk);
        heldBytes += chunk.length;
        if (heldBytes >= partBytes) await send(take());
      }
      await finish();
      if (uploadId === undefined && parts.length === 0 && inFlight.size === 0) {
        const body = take();
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length, ContentType: "application/gzip" }), {
          abortSignal: signal,
        });
        return;
      }
      if (heldBytes > 0) await send(take());
      await Promise.all(inFlight);
      if (failure) throw failure;
      parts.sort((a, b) => a.PartNumber - b.PartNumber);
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }), {
        abortSignal: signal,
      });
    } catch (error) {
      await Promise.allSettled(inFlight);
      if (uploadId !== undefined) await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw error;
    }
  }

  /**
   * One volume exported, compressed, hashed and uploaded as it is read. podman writes the tar
   * to a FIFO of a private directory: it opens its output by name, and `/dev/stdout` is a
   * socket when Node starts it (podman 4.3 then fails with ENXIO).
   */
  async function backUpVolume(volume: string, key: string, signal: AbortSignal | undefined): Promise<Omit<BackupVolume, "claim" | "key">> {
    const dir = await privateDir("plateau-backup-");
    try {
      const fifo = join(dir, "volume.tar");
      await runChecked("mkfifo", ["-m", "600", fifo]);
      // Both ends opened here, neither waiting: the read end non-blocking (read as a socket is,
      // when data is there, not by a thread of libuv's pool per 64 KiB: 3 times faster), the
      // write end given to podman as its standard output (`/dev/stdout` is then a FIFO), and
      // closed here once podman has it: the end of file comes when podman exits.
      const readFd = openSync(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
      let exporter: ReturnType<typeof streamedProcess>;
      try {
        const writeFd = openSync(fifo, fsConstants.O_WRONLY);
        try {
          exporter = streamedProcess(podman, ["volume", "export", volume], writeFd, signal);
        } finally {
          closeSync(writeFd);
        }
      } catch (error) {
        closeSync(readFd);
        throw error;
      }
      const tar = new Socket({ fd: readFd, readable: true, writable: false });
      const raw = { bytes: 0 };
      const hash = createHash("sha256");
      let storedBytes = 0;
      const compressed = (async function* () {
        for await (const member of gzipMembers(tar, level, raw)) {
          hash.update(member);
          storedBytes += member.length;
          yield member;
        }
      })();
      await upload(
        key,
        compressed,
        async () => {
          // The archive is complete only if podman read the whole volume.
          const { code, stderr } = await exporter.ended;
          if (code !== 0) throw new Error(`podman could not export volume ${volume}: ${lastLine(stderr)}`);
        },
        signal,
      ).catch(async (error: unknown) => {
        exporter.child.kill("SIGKILL");
        tar.destroy();
        await exporter.ended.catch(() => undefined);
        throw error;
      });
      return { bytes: raw.bytes, storedBytes, sha256: hash.digest("hex") };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function readText(key: string): Promise<string | undefined> {
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await object.Body?.transformToString("utf8")) ?? "";
    } catch (error) {
      if (s3ErrorStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const item of page.Contents ?? []) if (item.Key !== undefined) keys.push(item.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  /** The stored record at that key, or undefined (logged) when it is not a manifest one can trust. */
  async function manifestAt(key: string): Promise<BackupRecord | undefined> {
    const text = await readText(key);
    if (text === undefined) return undefined;
    const parsed = parseManifest(text, key);
    if (typeof parsed === "string") {
      logger.warn({ bucket, key, problem: parsed }, "a backup manifest is ignored: it cannot be trusted");
      return undefined;
    }
    return parsed;
  }

  /** Downloads an archive to the file, checking its size and sha256 on the way. */
  async function download(volume: BackupVolume, file: string, record: BackupRecord, signal: AbortSignal | undefined): Promise<void> {
    const corrupt = () =>
      new ConflictError(`the archive of ${volume.claim} in backup ${record.id} does not match its checksum: nothing was restored`, {
        reason: "backup-corrupt",
        params: { backup: record.id, claim: volume.claim },
      });
    let body: Readable;
    try {
      body = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: volume.key }), { abortSignal: signal })).Body as Readable;
    } catch (error) {
      if (s3ErrorStatus(error) === 404) throw corrupt();
      throw error;
    }
    const meter = new Meter(true);
    await pipeline(body, meter, createWriteStream(file, { mode: 0o600 }), ...(signal ? [{ signal }] : []));
    if (meter.bytes !== volume.storedBytes || meter.digest() !== volume.sha256) throw corrupt();
  }

  /**
   * Replaces the volume by a new one, with the target's labels, filled from the archive: podman
   * reads the verified file itself (it gunzips what it imports, every member of it), one program
   * at disk speed rather than a gunzip here and a pipe of 64 KiB writes into it (bench B12).
   */
  async function importVolume(volume: string, target: RestoreTarget, file: string, signal: AbortSignal | undefined): Promise<void> {
    if ((await run(podman, ["volume", "exists", volume])).code === 0) {
      const removed = await run(podman, ["volume", "rm", "--force", volume]);
      if (removed.code !== 0) throw new Error(`podman could not remove volume ${volume} to restore it (is its workload stopped?): ${lastLine(removed.stderr)}`);
    }
    await runChecked(podman, ["volume", "create", ...ownerLabelArguments(installation, target.project, target.instance), volume]);
    const importer = streamedProcess(podman, ["volume", "import", volume, file], "none", signal);
    const { code, stderr } = await importer.ended;
    if (code !== 0) throw new Error(`podman could not import volume ${volume}: ${lastLine(stderr)}`);
  }

  return {
    location: `s3://${bucket} at ${params.endpoint}`,

    async backup(project, instance, options: BackupOptions) {
      if (!BACKUP_ID.test(options.id))
        throw InputError.field("/id", "dns-label", `a backup id is a DNS label (lowercase letters, digits and dashes, 63 at most): "${options.id}"`);
      await ensureBucket();
      const volumes = await volumesOf(project, instance);
      const backedUp: BackupVolume[] = [];
      for (const { claim, volume } of volumes) {
        options.signal?.throwIfAborted();
        options.progress?.(`backing up volume ${claim}`);
        const key = archiveKey(project, instance, options.id, claim);
        const started = Date.now();
        const archive = await backUpVolume(volume, key, options.signal);
        logger.info({ project, instance, backup: options.id, claim, ...archive, ms: Date.now() - started }, "a volume was backed up");
        backedUp.push({ claim, key, ...archive });
      }
      const record: BackupRecord = { id: options.id, platform, project, instance, takenAt: options.takenAt.toISOString(), volumes: backedUp };
      // Last: the backup exists from now on.
      const manifest = manifestOf(record);
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: manifestKey(project, instance, options.id),
          Body: manifest,
          ContentType: "application/json",
        }),
        { abortSignal: options.signal },
      );
      return record;
    },

    async list(project, instance) {
      await ensureBucket();
      const prefix = instance === undefined ? `${project}/` : `${project}/${instance}/`;
      const keys = (await keysUnder(prefix)).filter((key) => key.endsWith(`/${MANIFEST_NAME}`) && key.split("/").length === 4);
      const records: BackupRecord[] = [];
      // A few at once: a project may have hundreds of backups.
      const queue = [...keys];
      const worker = async () => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
          const record = await manifestAt(key);
          if (record) records.push(record);
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, keys.length) }, worker));
      return records.sort((a, b) => b.takenAt.localeCompare(a.takenAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    },

    async restore(given, target, options = {}): Promise<RestoreReport> {
      const { signal } = options;
      // The caller's record says which backup; what it holds is read again from the bucket.
      const record = BACKUP_ID.test(given.id) ? await manifestAt(manifestKey(given.project, given.instance, given.id)) : undefined;
      if (!record) throw new NotFoundError("backup", `${given.project}/${given.instance}/${given.id}`);
      const dir = await privateDir("plateau-restore-");
      try {
        const files = new Map<string, string>();
        // Every archive downloaded and checked before any volume is touched.
        for (const [index, volume] of record.volumes.entries()) {
          signal?.throwIfAborted();
          const file = join(dir, `${index}.tar.gz`);
          await download(volume, file, record, signal);
          files.set(volume.claim, file);
        }
        const restored: { claim: string; bytes: number }[] = [];
        for (const volume of record.volumes) {
          signal?.throwIfAborted();
          await importVolume(names.volume(target.project, volume.claim), target, files.get(volume.claim) as string, signal);
          // The archive matched its sha256: it holds the tar of the size its manifest says.
          restored.push({ claim: volume.claim, bytes: volume.bytes });
        }
        logger.info(
          { backup: record.id, from: `${record.project}/${record.instance}`, to: `${target.project}/${target.instance}`, volumes: restored },
          "a backup was restored",
        );
        return { backup: record.id, takenAt: record.takenAt, volumes: restored };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async remove(record) {
      if (!BACKUP_ID.test(record.id)) return;
      // The manifest first: from then on the backup does not exist, whatever remains of it.
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: manifestKey(record.project, record.instance, record.id) }));
      // Everything under the backup's prefix, what its manifest named or not (a run killed half way).
      for (const key of await keysUnder(backupPrefix(record.project, record.instance, record.id))) {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      }
    },
  };
}
